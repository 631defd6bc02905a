package ring

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkQueue measures delivery through the queue: producer goroutines
// Put as fast as they can (as event loops under load would) while the
// benchmark goroutine Gets. One op is one frame delivered; frames/s and MB/s
// count deliveries, puts/s what the producers offered, drops/op the frames
// dropped per frame delivered, and self/op how many of those were new frames
// dropped because a descheduled goroutine held the slot they needed (see
// Queue; it happens when producers outnumber cores, as with 4 here).
func BenchmarkQueue(b *testing.B) {
	for _, producers := range []int{1, 4} {
		for _, size := range []int{100, 1024} {
			b.Run(fmt.Sprintf("producers=%d/size=%d", producers, size), func(b *testing.B) {
				queueBench(b, producers, size)
			})
		}
	}
}

func queueBench(b *testing.B, producers, size int) {
	q := NewQueue(1 << 20)
	payload := queuePayload(1, size)
	buf := make([]byte, size)
	var stop atomic.Bool
	var puts, drops, selfs atomic.Int64
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			var n, d, self int64
			for !stop.Load() {
				r := q.Put(uint32(p), payload)
				d += int64(r.Frames)
				if r.Self {
					self++
				}
				n++
			}
			puts.Add(n)
			drops.Add(d)
			selfs.Add(self)
		})
	}
	ctx := context.Background()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		if _, _, err := q.Get(ctx, buf); err != nil {
			b.Fatal(err)
		}
		frames++
	}
	elapsed := b.Elapsed().Seconds()
	stop.Store(true)
	wg.Wait()
	q.Close()
	b.ReportMetric(float64(frames)/elapsed, "frames/s")
	b.ReportMetric(float64(puts.Load())/elapsed, "puts/s")
	b.ReportMetric(float64(drops.Load())/float64(frames), "drops/op")
	b.ReportMetric(float64(selfs.Load())/float64(frames), "self/op")
}

// BenchmarkQueuePutGet is the uncontended cost of one Put and one Get by the
// same goroutine.
func BenchmarkQueuePutGet(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			q := NewQueue(1 << 20)
			payload, buf := queuePayload(1, size), make([]byte, size)
			ctx := context.Background()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				q.Put(1, payload)
				if _, _, err := q.Get(ctx, buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
