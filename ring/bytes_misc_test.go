package ring

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

func TestBytesNewPanics(t *testing.T) {
	for _, limit := range []int{0, -1, 1<<40 + 1} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			NewBytes(limit)
		})
	}
}

func TestBytesMisuse(t *testing.T) {
	cases := []struct {
		name string
		run  func(b *Bytes)
	}{
		{"peek twice without release", func(b *Bytes) { b.Peek(10); b.Peek(10) }},
		{"peek while another goroutine's peek is in flight", func(b *Bytes) {
			b.Peek(10)
			b.peeked = false // what a second consumer sees: its own state is clean
			b.Peek(10)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := NewBytes(1024)
			b.Put([]byte("x"))
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			c.run(b)
		})
	}
}

// Free must not wait for a producer: called from the event loop it returns
// false at once while the producers' lock is held.
func TestBytesFreeNeverBlocks(t *testing.T) {
	b := NewBytes(1024)
	b.Put([]byte("x"))
	b.Peek(10)
	b.Release()
	tail := b.lock()
	if b.Free() {
		t.Fatal("Free succeeded while a producer held the lock")
	}
	b.unlock(tail)
	if !b.Free() {
		t.Fatal("Free failed on an empty ring")
	}
}

// A buffer replaced while a Peek was in flight goes back to the pool by the
// first producer call that finds nothing in flight.
func TestBytesRetiredBufferRecycled(t *testing.T) {
	b := NewBytes(4096)
	for range 4 {
		b.Put(make([]byte, 100))
	}
	b.Peek(1 << 20)
	old := b.buf.Load()
	b.Put(make([]byte, 300)) // grows while in flight
	if b.retired != old {
		t.Fatal("the buffer in flight was not kept aside")
	}
	b.Put(make([]byte, 10)) // still in flight: kept
	if b.retired != old {
		t.Fatal("the buffer in flight was released early")
	}
	b.Release()
	b.Put(make([]byte, 10))
	if b.retired != nil {
		t.Fatal("the retired buffer was not recycled after Release")
	}
}

// Discard that runs while the consumer is inside Peek (the in-flight bit set,
// the Peek's end not yet published) waits for that end, then counts only
// the frames after it.
func TestBytesDiscardDuringPeek(t *testing.T) {
	b := NewBytes(1024)
	for range 3 {
		b.Put(make([]byte, 100)) // 101 B each
	}
	b.head.Store(0 | bytesInFlight) // Peek has claimed the head, not walked yet
	result := make(chan Dropped)
	go func() { result <- b.Discard() }()
	select {
	case d := <-result:
		t.Fatalf("Discard returned %+v before the Peek's end was known", d)
	default:
	}
	// Finish the Peek: it took the first frame.
	b.flight.Store(101)
	b.peeked, b.peekEnd = true, 101
	if d, want := <-result, (Dropped{Frames: 2, Bytes: 202}); d != want {
		t.Fatalf("Discard = %+v, want %+v", d, want)
	}
	b.Release()
	if n := b.Len(); n != 0 {
		t.Fatalf("Len = %d after Release, want 0", n)
	}
	if _, _, n := b.Peek(1 << 20); n != 0 {
		t.Fatalf("Peek took %d discarded frames", n)
	}
}

func TestBytesSeal(t *testing.T) {
	b := NewBytes(1024)
	if d, ok := b.TryPut(make([]byte, 10)); !ok || d != (Dropped{}) {
		t.Fatalf("TryPut before Seal = %+v, %v; want {}, true", d, ok)
	}
	if d, ok := b.TryPut(make([]byte, 2000)); !ok || d != (Dropped{Frames: 1, Bytes: 2002, Incoming: true}) {
		t.Fatalf("TryPut of an oversized frame = %+v, %v; want it dropped, true", d, ok)
	}
	b.Seal()
	b.Seal() // idempotent
	if d, ok := b.TryPut(make([]byte, 10)); ok || d != (Dropped{}) {
		t.Fatalf("TryPut after Seal = %+v, %v; want {}, false", d, ok)
	}
	if d := b.Put(make([]byte, 10)); d != (Dropped{}) {
		t.Fatalf("Put after Seal = %+v, want {}", d)
	}
	if d, want := b.Discard(), (Dropped{Frames: 1, Bytes: 11}); d != want {
		t.Fatalf("Discard = %+v, want %+v (only the frame put before Seal)", d, want)
	}
}

// Every TryPut either lands before Seal returns, and Discard counts it
// (unless a later Put dropped it and said so), or reports false: none is
// lost between the two.
func TestBytesSealRacesPuts(t *testing.T) {
	for range 50 {
		b := NewBytes(4096) // small: Puts drop the oldest too
		var accepted [4]int
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range accepted {
			wg.Go(func() {
				<-start
				for {
					d, ok := b.TryPut(make([]byte, 10))
					if !ok {
						return
					}
					accepted[i] += 1 - d.Frames // less the oldest it dropped when full
				}
			})
		}
		close(start)
		runtime.Gosched()
		b.Seal()
		d := b.Discard()
		wg.Wait()
		sum := 0
		for _, n := range accepted {
			sum += n
		}
		if d.Frames != sum {
			t.Fatalf("Discard after Seal counted %d frames, producers had %d accepted and not dropped", d.Frames, sum)
		}
	}
}

func TestBytesCap(t *testing.T) {
	b := NewBytes(1 << 20)
	if c := b.Cap(); c != 0 {
		t.Fatalf("Cap = %d before any Put, want 0", c)
	}
	b.Put(make([]byte, 10))
	if c := b.Cap(); c != bytesMinCap {
		t.Fatalf("Cap = %d after a small Put, want %d", c, bytesMinCap)
	}
	b.Put(make([]byte, 3000))
	if c := b.Cap(); c != 4096 {
		t.Fatalf("Cap = %d holding 3,013 bytes, want 4096", c)
	}
	b.Discard()
	if !b.Free() || b.Cap() != 0 {
		t.Fatalf("Cap = %d after Free, want 0", b.Cap())
	}
}

func TestBytesFramesAfterRelease(t *testing.T) {
	b := NewBytes(1024)
	b.Put([]byte("a"))
	b.Put([]byte("b"))
	if first, _ := b.PeekBytes(1 << 10); len(first) != 4 {
		t.Fatalf("PeekBytes took %d bytes, want 4", len(first))
	}
	b.Release() // before any Frames call: the count was never taken
	if n := b.Frames(); n != 0 {
		t.Fatalf("Frames after Release = %d, want 0", n)
	}
}
