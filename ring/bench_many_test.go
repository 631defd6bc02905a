package ring

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkBytesManyRings puts 100 B frames round-robin over many rings of
// 64 KiB from one goroutine, as a publisher does over many busy streams,
// while a consumer goroutine takes what a ring holds once it is over half
// full (the producer queues it then) and copies it out, as an event loop's
// writev has the kernel do. With 1,000 rings the producer's lines (each
// ring's tail word, its buffer) come from far caches: the cost per frame
// that a many-stream publisher pays in TryPut.
func BenchmarkBytesManyRings(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("rings=%d", n), func(b *testing.B) {
			const limit = 64 << 10
			rings := make([]*Bytes, n)
			for i := range rings {
				rings[i] = NewBytes(limit)
			}
			var (
				queued = make([]struct {
					atomic.Bool
					_ [cacheLine - 4]byte
				}, n)
				due       = make(chan int, n)
				delivered int64
				wg        sync.WaitGroup
			)
			wg.Go(func() {
				scratch := make([]byte, bytesBenchPeek)
				for i := range due {
					r := rings[i]
					queued[i].Store(false)
					for r.Len() > 0 {
						first, second, _ := r.TryPeekBytes(bytesBenchPeek)
						copy(scratch[copy(scratch, first):], second)
						delivered += int64(r.Frames())
						r.Release()
					}
				}
			})
			payload := make([]byte, 100)
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			i := 0
			for b.Loop() {
				if i++; i == n {
					i = 0
				}
				r := rings[i]
				for r.Len() > limit-limit/8 { // wait as a producer that wants no loss
					runtime.Gosched()
				}
				r.TryPut(payload)
				if q := &queued[i]; !q.Load() && r.Len() > limit/2 {
					q.Store(true)
					due <- i
				}
			}
			close(due)
			wg.Wait()
			for _, r := range rings {
				delivered += int64(bytesDrain(r))
			}
			bytesBenchReport(b, delivered)
		})
	}
}
