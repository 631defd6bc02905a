package ring

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

var bytesBenchSizes = []int{100, 1024}

// bytesBenchLimit is large enough that a draining consumer rarely lets the
// ring fill; drops are reported as drops/op.
const bytesBenchLimit = 4 << 20

// bytesBenchPeek is the most one Peek takes: the reactor's watermark.
const bytesBenchPeek = 256 << 10

// bytesDrain takes and releases everything buffered; returns the frames.
func bytesDrain(b *Bytes) (frames int) {
	for {
		_, _, n := b.Peek(bytesBenchPeek)
		if n == 0 {
			return frames
		}
		b.Release()
		frames += n
	}
}

// bytesBenchConsumer drains b on its own goroutine, as an event loop would,
// until stop; the returned func stops it and returns the frames delivered.
func bytesBenchConsumer(b *Bytes) (stop func() int64) {
	var (
		quit      atomic.Bool
		delivered int64
		wg        sync.WaitGroup
	)
	wg.Go(func() {
		for !quit.Load() {
			if n := bytesDrain(b); n > 0 {
				delivered += int64(n)
			} else {
				runtime.Gosched()
			}
		}
		delivered += int64(bytesDrain(b))
	})
	return func() int64 {
		quit.Store(true)
		wg.Wait()
		return delivered
	}
}

// bytesBenchReport reports frames put per second, frames delivered (taken
// by Peek) per second, and the share of frames dropped.
func bytesBenchReport(b *testing.B, delivered int64) {
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "frames/s")
	b.ReportMetric(float64(delivered)/sec, "delivered/s")
	b.ReportMetric(float64(int64(b.N)-delivered)/float64(b.N), "drops/op")
}

// One goroutine puts frames and, every 64 frames, takes and releases them:
// the ring's own cost per frame, without cross-core traffic.
func BenchmarkBytesSerial(b *testing.B) {
	for _, size := range bytesBenchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			r, payload := NewBytes(bytesBenchLimit), make([]byte, size)
			var frames int64
			b.ReportAllocs()
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				r.Put(payload)
				if i++; i%64 == 0 {
					frames += int64(bytesDrain(r))
				}
			}
			frames += int64(bytesDrain(r))
			bytesBenchReport(b, frames)
		})
	}
}

// One producer goroutine puts; a consumer goroutine drains concurrently.
// The consumer polls: when it keeps up, it loads tail between most Puts, so
// each Put's store of tail waits for that cache line to come back (about
// 100 ns between the two vCPUs we measured on). An event loop woken once per
// batch loads it far less often; BenchmarkBytesSerial shows the ring's own
// cost per frame.
func BenchmarkBytesProducers1(b *testing.B) {
	for _, size := range bytesBenchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			r, payload := NewBytes(bytesBenchLimit), make([]byte, size)
			stop := bytesBenchConsumer(r)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				r.Put(payload)
			}
			bytesBenchReport(b, stop())
		})
	}
}

// Four producer goroutines put into one ring (they serialize on its
// mutex); a consumer goroutine drains concurrently.
func BenchmarkBytesProducers4(b *testing.B) {
	const producers = 4
	for _, size := range bytesBenchSizes {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			r := NewBytes(bytesBenchLimit)
			stop := bytesBenchConsumer(r)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			// RunParallel starts parallelism × GOMAXPROCS goroutines.
			b.SetParallelism((producers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				payload := make([]byte, size)
				for pb.Next() {
					r.Put(payload)
				}
			})
			bytesBenchReport(b, stop())
		})
	}
}
