package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/internal/rig"
	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }

// pair starts an embedded subscriber and publisher on loopback TCP for o
// and opens every stream with one message, so dialing is not measured. The
// Recorder is reset afterwards.
func pair(tb testing.TB, o *rig.Options) (*rig.Sub, *rig.Pub) {
	tb.Helper()
	s, err := rig.StartSub(o, nettest.TCPURL)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := rig.NewPub(o, s.URL())
	if err != nil {
		s.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		p.Shutdown(5 * time.Second)
		s.Close()
	})
	n, _ := p.PublishOne(&o.Config)
	if !settle(s, p, n, 10*time.Second) {
		tb.Fatalf("warm-up: %d messages not delivered", n)
	}
	s.Rec.Reset()
	return s, p
}

// settle waits until received + counted lost reaches want, or bound passes.
func settle(s *rig.Sub, p *rig.Pub, want int64, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	for {
		msgs, _, _ := s.Rec.Snapshot()
		if msgs+lost(s, p) >= want {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond) // polling a counter, not synchronizing
	}
}

func lost(s *rig.Sub, p *rig.Pub) int64 {
	var n int64
	for _, m := range []map[string]int64{s.Lost(), p.Lost()} {
		for _, v := range m {
			n += v
		}
	}
	return n
}

func benchOptions(streams, size int) *rig.Options {
	return &rig.Options{
		Config: harness.Config{
			Role: harness.RoleBoth, Transport: harness.TransportTCP, Streams: streams,
			SizeMin: size, SizeMax: size, Duration: time.Hour,
		},
		Delivery:  rig.DeliveryHandler,
		MaxBuffer: rig.DefaultMaxBuffer,
	}
}

func BenchmarkThroughput(b *testing.B) {
	cases := []struct{ size, streams int }{
		{100, 1}, {100, 100}, {100, 1000}, {65536, 1},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("size=%d/streams=%d", c.size, c.streams), func(b *testing.B) {
			o := benchOptions(c.streams, c.size)
			s, p := pair(b, o)
			lost0 := lost(s, p)
			rnd := rand.New(rand.NewPCG(1, 2))
			buf := make([]byte, c.size)
			b.ReportAllocs()
			b.SetBytes(int64(c.size))
			var published int64
			i := 0
			start := time.Now()
			for b.Loop() {
				if p.Handles[i].Publish(harness.Payload(&o.Config, rnd, buf)) == nil {
					published++
				}
				if i++; i == len(p.Handles) {
					i = 0
				}
			}
			// Time the delivery of what is still in flight too: ns/op and
			// MB/s then cover publish to receipt, not Publish alone.
			b.StartTimer()
			if !settle(s, p, published+lost0, 10*time.Second) {
				b.Errorf("not settled: %d published", published)
			}
			b.StopTimer()
			msgs, _, _ := s.Rec.Snapshot()
			elapsed := s.Rec.LastArrival().Sub(start).Seconds()
			if elapsed > 0 {
				b.ReportMetric(float64(msgs)/elapsed, "msgs/s")
			}
			if published > 0 {
				b.ReportMetric(100*float64(lost(s, p)-lost0)/float64(published), "lost-%")
			}
		})
	}
}

func BenchmarkLatency(b *testing.B) {
	const rate = 10_000
	o := benchOptions(1, 100)
	o.Rate = rate
	s, p := pair(b, o)
	rnd := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 100)
	pacer := harness.NewPacer(rate)
	h := p.Handles[0]
	b.ReportAllocs()
	b.SetBytes(100)
	var published int64
	for b.Loop() {
		pacer.Wait()
		if h.Publish(harness.Payload(&o.Config, rnd, buf)) == nil {
			published++
		}
	}
	if !settle(s, p, published, 10*time.Second) {
		b.Errorf("not settled: %d published", published)
	}
	var res harness.Result
	s.Rec.Fill(&res)
	b.ReportMetric(res.LatencyUS.P50, "p50-µs")
	b.ReportMetric(res.LatencyUS.P99, "p99-µs")
}

// smokeOptions is a short run of the given role.
func smokeOptions(role string) *rig.Options {
	o := benchOptions(2, 100)
	o.Role, o.Duration = role, 300*time.Millisecond
	return o
}

// checkResult asserts what every run's result must satisfy.
func checkResult(t *testing.T, res *harness.Result, wantRecv bool) {
	t.Helper()
	if res.Transport != "nanoq" || res.Streams != 2 || res.PeakRSSKiB <= 0 || res.Goroutines <= 0 {
		t.Errorf("result header: %+v", res)
	}
	if !wantRecv {
		return
	}
	if res.Received == 0 || res.LatencyUS.P50 <= 0 || res.LatencyUS.Max < res.LatencyUS.P50 {
		t.Errorf("nothing received or no latency: %+v", res)
	}
	if res.Role == harness.RoleBoth {
		var lostN int64
		for _, v := range res.LostCounted {
			lostN += v
		}
		if res.Received+lostN != res.Published {
			t.Errorf("received %d + lost %d != published %d", res.Received, lostN, res.Published)
		}
	}
}
