package ring

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Stress payload layout: producer id (1 B), sequence number (8 B), CRC-32
// of everything else (4 B), random bytes.
const bytesStressHeader = 13

func bytesStressPayload(rng *rand.Rand, buf, noise []byte, producer int, seq uint64) []byte {
	p := buf[:bytesStressHeader+rng.IntN(3000-bytesStressHeader+1)]
	p[0] = byte(producer)
	binary.LittleEndian.PutUint64(p[1:9], seq)
	copy(p[bytesStressHeader:], noise[rng.IntN(len(noise)-len(p)):])
	binary.LittleEndian.PutUint32(p[9:13], bytesStressSum(p))
	return p
}

// bytesStressSource returns a producer's random source, payload buffer and
// noise to fill payloads from.
func bytesStressSource(seed, id uint64) (rng *rand.Rand, buf, noise []byte) {
	rng = rand.New(rand.NewPCG(seed, id))
	buf, noise = make([]byte, 3000), make([]byte, 8192)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	return rng, buf, noise
}

func bytesStressSum(p []byte) uint32 {
	return crc32.Update(crc32.ChecksumIEEE(p[:9]), crc32.IEEETable, p[bytesStressHeader:])
}

// bytesStressCheck checks frames delivered in this order: each must be
// intact and from one of len(last) producers, and come after that
// producer's last frame (last is updated).
func bytesStressCheck(frames [][]byte, last []uint64) error {
	for _, p := range frames {
		if len(p) < bytesStressHeader || int(p[0]) >= len(last) {
			return fmt.Errorf("foreign frame of %d bytes", len(p))
		}
		if binary.LittleEndian.Uint32(p[9:13]) != bytesStressSum(p) {
			return fmt.Errorf("corrupt frame from producer %d", p[0])
		}
		id, seq := p[0], binary.LittleEndian.Uint64(p[1:9])
		if seq <= last[id] {
			return fmt.Errorf("producer %d: frame %d after %d", id, seq, last[id])
		}
		last[id] = seq
	}
	return nil
}

// Four producers and one consumer hammer one small ring (so frames are
// dropped, the buffer grows and is freed, and Discard cuts frames behind
// Peeks). Every frame delivered must be intact, each producer's frames must
// arrive in order, the bytes in flight must not change until Release, and
// every frame put must be either delivered or reported dropped exactly once.
func TestBytesStress(t *testing.T) {
	cases := []struct {
		name string
		// long: verify the frames while they are in flight, sometimes
		// yielding, so producers often find the oldest bytes taken.
		// Otherwise copy them out and Release at once, as the reactor
		// does after writev.
		long bool
	}{
		{"long flights", true},
		{"short flights", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { bytesStress(t, c.long) })
	}
}

func bytesStress(t *testing.T, long bool) {
	const (
		producers = 4
		perProd   = 12000
		limit     = 16 << 10
	)
	b := NewBytes(limit)
	var (
		wg                     sync.WaitGroup
		dropped, self, discard atomic.Int64
	)
	for id := range producers {
		wg.Go(func() {
			rng, buf, noise := bytesStressSource(1, uint64(id))
			for seq := uint64(1); seq <= perProd; seq++ {
				d := b.Put(bytesStressPayload(rng, buf, noise, id, seq))
				dropped.Add(int64(d.Frames))
				if d.Incoming {
					self.Add(1)
				}
				switch {
				case seq%97 == 0:
					b.Free()
				case id == 0 && seq%500 == 0:
					n := b.Discard().Frames
					dropped.Add(int64(n))
					discard.Add(int64(n))
				}
				// Yield now and then, or the producers starve the
				// consumer of the two CPUs and almost nothing is
				// delivered.
				if rng.IntN(2) == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var (
		last      [producers]uint64
		delivered int64
		peeks     int
		scratch   []byte
	)
	rng := rand.New(rand.NewPCG(2, 0))
	for {
		finished := false
		select {
		case <-done:
			finished = true
		default:
		}
		max := 1 + rng.IntN(12000)
		first, second, frames := b.Peek(max)
		if frames == 0 {
			if finished {
				break
			}
			if rng.IntN(8) == 0 {
				b.Free()
			}
			runtime.Gosched()
			continue
		}
		peeks++
		if n := len(first) + len(second); frames > 1 && n > max {
			t.Fatalf("Peek(%d) took %d frames, %d bytes", max, frames, n)
		}
		sum := crc32.Update(crc32.ChecksumIEEE(first), crc32.IEEETable, second)
		if !long {
			scratch = append(append(scratch[:0], first...), second...)
			b.Release()
			first, second = scratch, nil
		}
		got := bytesParse(t, first, second)
		if len(got) != frames {
			t.Fatalf("Peek reported %d frames, parsed %d", frames, len(got))
		}
		if err := bytesStressCheck(got, last[:]); err != nil {
			t.Fatal(err)
		}
		delivered += int64(frames)
		if long {
			if rng.IntN(8) == 0 {
				runtime.Gosched() // let producers run while the bytes are in flight
			}
			if crc32.Update(crc32.ChecksumIEEE(first), crc32.IEEETable, second) != sum {
				t.Fatal("bytes in flight changed before Release")
			}
			b.Release()
		}
		if peeks%16 == 0 {
			b.Free()
		}
	}
	if n := b.Len(); n != 0 {
		t.Fatalf("Len = %d after draining", n)
	}
	if !b.Free() {
		t.Fatal("Free failed after draining")
	}
	t.Logf("delivered %d in %d peeks; dropped %d (self %d, discarded %d)",
		delivered, peeks, dropped.Load(), self.Load(), discard.Load())
	if got, want := delivered+dropped.Load(), int64(producers*perProd); got != want {
		t.Fatalf("delivered %d + dropped %d = %d frames, want %d", delivered, dropped.Load(), got, want)
	}
}

// Two consumers take turns with TryPeekBytes while producers put and
// Discard cuts: each consumer either delivers what it took (Release) or
// gives it back (Unpeek). Frames must arrive intact, in each producer's
// order, and every frame must be delivered or reported dropped exactly once.
func TestBytesConsumersTakeTurns(t *testing.T) {
	const (
		producers = 3
		perProd   = 8000
		limit     = 16 << 10
	)
	b := NewBytes(limit)
	var (
		wg, cwg   sync.WaitGroup
		dropped   atomic.Int64
		delivered atomic.Int64
		unpeeks   atomic.Int64
		stop      atomic.Bool
	)
	for id := range producers {
		wg.Go(func() {
			rng, buf, noise := bytesStressSource(3, uint64(id))
			for seq := uint64(1); seq <= perProd; seq++ {
				dropped.Add(int64(b.Put(bytesStressPayload(rng, buf, noise, id, seq)).Frames))
				if id == 0 && seq%700 == 0 {
					dropped.Add(int64(b.Discard().Frames))
				}
				if rng.IntN(2) == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	// last is touched only by the consumer holding the in-flight bit: the
	// bit's CAS and Release order the turns.
	var last [producers]uint64
	consume := func(seed uint64) {
		defer cwg.Done()
		rng := rand.New(rand.NewPCG(4, seed))
		for {
			first, second, busy := b.TryPeekBytes(1 + rng.IntN(12000))
			if busy || len(first) == 0 {
				if stop.Load() && !busy && b.Len() == 0 {
					return
				}
				runtime.Gosched()
				continue
			}
			if rng.IntN(3) == 0 { // give back
				if rng.IntN(2) == 0 {
					runtime.Gosched() // let producers and Discard run meanwhile
				}
				unpeeks.Add(1)
				dropped.Add(int64(b.Unpeek().Frames))
				continue
			}
			got := bytesParse(t, first, second)
			if len(got) != b.Frames() {
				t.Errorf("Frames = %d, parsed %d", b.Frames(), len(got))
				return
			}
			if err := bytesStressCheck(got, last[:]); err != nil {
				t.Error(err)
				return
			}
			_ = crc32.ChecksumIEEE(first)
			delivered.Add(int64(len(got)))
			b.Release()
		}
	}
	cwg.Add(2)
	go consume(1)
	go consume(2)
	wg.Wait()
	stop.Store(true)
	cwg.Wait()
	t.Logf("delivered %d, dropped %d, unpeeks %d", delivered.Load(), dropped.Load(), unpeeks.Load())
	if got, want := delivered.Load()+dropped.Load(), int64(producers*perProd); got != want {
		t.Fatalf("delivered %d + dropped %d = %d frames, want %d", delivered.Load(), dropped.Load(), got, want)
	}
	if unpeeks.Load() == 0 {
		t.Fatal("no Unpeek happened: the test did not exercise giving back")
	}
}
