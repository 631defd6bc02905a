package ring

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// BenchmarkQueue moves frames from producer goroutines (one lane each,
// publishing every 512 frames, about one 64 KiB read of 100 B frames, as a loop does per traffic event) to reader
// goroutines through Get. Producers wait while the queue is over half full,
// so this measures throughput without loss (lost% should stay 0).
func BenchmarkQueue(b *testing.B) {
	for _, c := range []struct{ lanes, readers, size int }{
		{1, 1, 100}, {2, 1, 100}, {4, 1, 100}, {4, 4, 100}, {1, 1, 1024},
	} {
		b.Run(fmt.Sprintf("lanes=%d/readers=%d/size=%d", c.lanes, c.readers, c.size), func(b *testing.B) {
			q := NewQueue(16<<20, c.lanes)
			payload := make([]byte, c.size)
			per := b.N / c.lanes
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			var lost sync.WaitGroup
			var dropped [64]int
			b.ResetTimer()
			for i := range c.lanes {
				lost.Go(func() {
					l := q.Lane(i)
					for k := range per {
						dropped[i] += l.Put(uint32(i), payload).Frames
						if k%512 == 511 {
							dropped[i] += l.Publish().Frames
							for q.Len() > 256<<10 {
								runtime.Gosched()
							}
						}
					}
					dropped[i] += l.Publish().Frames
				})
			}
			ctx, cancel := context.WithCancel(context.Background())
			var readers sync.WaitGroup
			for range c.readers {
				readers.Go(func() {
					buf := make([]byte, c.size)
					for {
						if _, _, err := q.Get(ctx, buf); err != nil {
							return
						}
					}
				})
			}
			lost.Wait()
			cancel() // the readers take what is left, then return
			readers.Wait()
			b.StopTimer()
			n := 0
			for _, d := range dropped {
				n += d
			}
			b.ReportMetric(100*float64(n)/float64(max(per*c.lanes, 1)), "lost%")
			q.Close()
		})
	}
}
