package ring

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestQueueWakeup proves there are no missed wake-ups: in every round each
// consumer blocks (or is about to block) in Get and exactly one frame per
// consumer is put; every Get must return. The timeout only detects a hang.
func TestQueueWakeup(t *testing.T) {
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	tests := []struct {
		name      string
		consumers int
		parked    bool // wait until every consumer has announced its wait
		producers bool // one producer goroutine per frame, else Put in a row
	}{
		{"1 consumer parked", 1, true, false},
		{"1 consumer racing the Put", 1, false, false},
		{"4 consumers parked, Puts in a row", 4, true, false},
		{"4 consumers parked, concurrent producers", 4, true, true},
		{"4 consumers racing concurrent producers", 4, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(1 << 16)
			// goc[i] starts one Get on consumer i; got receives each result.
			goc := make([]chan struct{}, tt.consumers)
			got := make(chan error, tt.consumers)
			var wg sync.WaitGroup
			for i := range goc {
				goc[i] = make(chan struct{})
				wg.Go(func() {
					buf := make([]byte, 16)
					for range goc[i] {
						_, _, err := q.Get(context.Background(), buf)
						got <- err
					}
				})
			}
			defer func() {
				q.Close() // on failure, frees a Get that never woke
				for _, c := range goc {
					close(c)
				}
				wg.Wait()
			}()
			frame := []byte("wake")
			timeout := time.NewTimer(queueFailAfter)
			defer timeout.Stop()
			for r := range rounds {
				timeout.Reset(queueFailAfter)
				for _, c := range goc {
					c <- struct{}{}
				}
				if tt.parked {
					queueWaitWaiting(t, q, int32(tt.consumers))
				}
				if tt.producers {
					var pwg sync.WaitGroup
					for p := range tt.consumers {
						pwg.Go(func() { q.Put(uint32(p), frame) })
					}
					pwg.Wait()
				} else {
					for p := range tt.consumers {
						q.Put(uint32(p), frame)
					}
				}
				for range tt.consumers {
					select {
					case err := <-got:
						if err != nil {
							t.Fatalf("round %d: Get = %v", r, err)
						}
					case <-timeout.C:
						t.Fatalf("round %d: missed wake-up: a Get never returned (waiting=%d, Len=%d)",
							r, q.waiting.Load(), q.Len())
					}
				}
			}
			if q.Len() != 0 {
				t.Fatalf("Len %d after all rounds", q.Len())
			}
		})
	}
}

// TestQueueWakeupWindows puts a frame at the two instants where a wake-up
// could be lost: just before Get announces its wait (the Put sees no waiter
// and does not signal: Get's second look must find the frame) and just
// before Get blocks (the Put sees the waiter and must signal).
func TestQueueWakeupWindows(t *testing.T) {
	for _, stage := range []int{0, 1} {
		t.Run(fmt.Sprintf("put at stage %d", stage), func(t *testing.T) {
			q := NewQueue(1024)
			defer q.Close()
			var once sync.Once
			q.waitHook = func(s int) {
				if s == stage {
					once.Do(func() { q.Put(9, []byte("late")) })
				}
			}
			type result struct {
				n      int
				stream uint32
				err    error
			}
			res := make(chan result, 1)
			go func() {
				n, st, err := q.Get(context.Background(), make([]byte, 16))
				res <- result{n, st, err}
			}()
			select {
			case r := <-res:
				if r.err != nil || r.n != 4 || r.stream != 9 {
					t.Fatalf("Get = %+v, want the late frame", r)
				}
			case <-time.After(queueFailAfter):
				t.Fatal("missed wake-up: Get never returned")
			}
		})
	}
}

// TestQueueWakeupHandOn holds several Gets between announcing their wait and
// blocking, puts one frame each, then lets them block: the Puts leave a single
// token, so the Get that takes it must pass the wake-up on to the next.
func TestQueueWakeupHandOn(t *testing.T) {
	const consumers = 4
	q := NewQueue(1024)
	defer q.Close()
	arrived := make(chan struct{}, consumers)
	release := make(chan struct{})
	q.waitHook = func(stage int) {
		if stage == 1 {
			arrived <- struct{}{}
			<-release
		}
	}
	errc := make(chan error, consumers)
	for range consumers {
		go func() {
			_, _, err := q.Get(context.Background(), make([]byte, 16))
			errc <- err
		}()
	}
	for range consumers {
		<-arrived
	}
	for i := range consumers {
		q.Put(uint32(i), []byte("frame"))
	}
	close(release)
	timeout := time.After(queueFailAfter)
	for i := range consumers {
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
		case <-timeout:
			t.Fatalf("missed wake-up: %d of %d Gets returned", i, consumers)
		}
	}
}
