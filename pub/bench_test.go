package pub

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

// BenchmarkPublish measures Publish on an open stream. "steady" and
// "steady-handle": the loop keeps up (bursts of 512, the ring drained
// between them); publish-ns is the time inside Publish per message: what a
// caller pays. "flat-out": Publish in a tight loop, faster than
// the connection drains, so most messages overflow (reported as lost%) and
// Publish yields to the event loop on each overflow.
func BenchmarkPublish(b *testing.B) {
	s, err := sub.New(nettest.TCPURL, sub.Options{Handler: func([]byte, sub.StreamDescriptor) {}})
	if err != nil {
		b.Fatal(err)
	}
	s.Bind()
	defer s.Close()
	m, reg := nettest.NewMetrics(b)
	p := newPub(b, url(s), Options{NoDelay: true, MaxBuffer: 4 << 20, MaxPayload: 64 << 10, Metrics: m})
	payload := make([]byte, 100)
	p.Publish(bg, payload, "k")
	st := p.streams.load("k")
	h := p.Stream("k")
	// steady: Publish with the key; steady-handle: through a Stream handle,
	// which skips the key lookup.
	for _, bench := range []struct {
		name    string
		publish func()
	}{
		{"steady", func() { p.Publish(bg, payload, "k") }},
		{"steady-handle", func() { h.Publish(payload) }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			// Bursts of 512, each timed on its own; between bursts the
			// ring drains (not timed). StopTimer would read MemStats
			// every burst.
			const burst = 512
			var inPublish time.Duration
			direct0 := directWrites(b, reg, "")
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for i := 0; i < b.N; i += burst {
				n := min(burst, b.N-i)
				t0 := time.Now()
				for range n {
					bench.publish()
				}
				inPublish += time.Since(t0)
				for st.ring.Len() > 0 {
					runtime.Gosched()
				}
			}
			b.ReportMetric(float64(inPublish.Nanoseconds())/float64(b.N), "publish-ns")
			b.ReportMetric(float64(directWrites(b, reg, "")-direct0)/float64(b.N), "direct/msg")
		})
	}
	b.Run("flat-out", func(b *testing.B) {
		lost0 := nettest.Sum(b, reg, "nanoq_pub_lost_messages_total", "")
		b.ReportAllocs()
		b.SetBytes(int64(len(payload)))
		for b.Loop() {
			p.Publish(bg, payload, "k")
		}
		b.ReportMetric(100*(nettest.Sum(b, reg, "nanoq_pub_lost_messages_total", "")-lost0)/float64(b.N), "lost%")
	})
}

// BenchmarkEndToEnd publishes b.N messages over the given number of streams
// to a subscriber in the same process and waits for all of them (or for
// what was not delivered to be counted lost). It publishes as fast as the
// streams take messages: before each Publish it waits while that stream
// holds more than half its MaxBuffer (Stream.Buffered), so msgs/s is what
// the transport sustains and lost% should stay 0.
func BenchmarkEndToEnd(b *testing.B) {
	for _, size := range []int{100, 1024} {
		for _, streams := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("size=%d/streams=%d", size, streams), func(b *testing.B) {
				benchEndToEnd(b, size, streams)
			})
		}
	}
}

func benchEndToEnd(b *testing.B, size, streams int) {
	var got atomic.Int64
	s, err := sub.New(nettest.TCPURL, sub.Options{EventLoops: 1, Handler: func([]byte, sub.StreamDescriptor) { got.Add(1) }})
	if err != nil {
		b.Fatal(err)
	}
	s.Bind()
	defer s.Close()
	m, reg := nettest.NewMetrics(b)
	const maxBuffer = 4 << 20
	highWater := maxBuffer / 2
	p := newPub(b, url(s), Options{NoDelay: true, EventLoops: 1, Metrics: m, MaxBuffer: maxBuffer, MaxPayload: 64 << 10})
	payload := make([]byte, size)
	handles := make([]*Stream, streams)
	for i := range handles {
		handles[i] = p.Stream(i)
		handles[i].Publish(payload)
	}
	for got.Load() < int64(streams) {
		time.Sleep(time.Millisecond)
	}
	got.Store(0)
	lost0 := nettest.Sum(b, reg, "nanoq_pub_lost_messages_total", "")
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		h := handles[i%streams]
		for h.Buffered() > highWater { // as a producer that wants no loss would
			time.Sleep(50 * time.Microsecond)
		}
		h.Publish(payload)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		lost := nettest.Sum(b, reg, "nanoq_pub_lost_messages_total", "") - lost0
		if float64(got.Load())+lost >= float64(b.N) {
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(got.Load())/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(100*lost/float64(b.N), "lost%")
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d, lost %v of %d", got.Load(), lost, b.N)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkLatency publishes at 10,000 msgs/s on one stream with
// FlushFrequency 0 and reports the publish-to-handler latency percentiles,
// with direct writes (the default) and with every frame going through the
// event loop (NoDirectWrite).
//
// Pacing uses time.Sleep, like the nqbench harness and its peers: where a
// short sleep lasts a millisecond (this 2-vCPU VM), the messages leave in
// bursts of about ten every millisecond, 10,000 a second on average.
func BenchmarkLatency(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"writes=direct", Options{NoDelay: true}},
		{"writes=loop", Options{NoDelay: true, NoDirectWrite: true}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchLatency(b, bc.opts) })
	}
}

func benchLatency(b *testing.B, opts Options) {
	const rate = 10000
	lat := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	var n atomic.Int64
	s, err := sub.New(nettest.TCPURL, sub.Options{Handler: func(p []byte, _ sub.StreamDescriptor) {
		sent := int64(binary.LittleEndian.Uint64(p))
		if sent == 0 {
			return // warm-up
		}
		lat = append(lat, time.Duration(time.Now().UnixNano()-sent))
		if n.Add(1) == int64(b.N) {
			close(done)
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	s.Bind()
	defer s.Close()
	m, reg := nettest.NewMetrics(b)
	opts.Metrics = m
	p := newPub(b, url(s), opts)
	payload := make([]byte, 100)
	p.Publish(bg, payload, "k")
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / rate)); d > 0 {
			time.Sleep(d)
		}
		binary.LittleEndian.PutUint64(payload, uint64(time.Now().UnixNano()))
		p.Publish(bg, payload, "k")
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		b.Fatalf("received %d of %d", n.Load(), b.N)
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(directWrites(b, reg, ""))/float64(b.N+1), "direct/msg")
}
