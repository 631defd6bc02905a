package run

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// fakeSub delivers in-process: every stream of fakeDial calls its deliver.
type fakeSub struct {
	deliver Deliver
	closed  atomic.Bool
}

func (s *fakeSub) URL() string            { return "tcp4://127.0.0.1:1" }
func (s *fakeSub) Lost() map[string]int64 { return nil }
func (s *fakeSub) Close() error           { s.closed.Store(true); return nil }

// fakeStream buffers one message until Flush, like a buffered writer.
type fakeStream struct {
	sub     *fakeSub
	id      uint32
	pending []byte
	flushes int
	closed  bool
}

func (s *fakeStream) Send(p []byte) error {
	if s.pending != nil {
		s.sub.deliver(s.pending, s.id)
	}
	s.pending = append(s.pending[:0], p...)
	return nil
}

func (s *fakeStream) Flush() error {
	s.flushes++
	if s.pending != nil {
		s.sub.deliver(s.pending, s.id)
		s.pending = nil
	}
	return nil
}

func (s *fakeStream) Close(time.Time) error { s.closed = true; return s.Flush() }

// fake returns a Transport whose publisher streams deliver straight into its
// subscriber, and a way to reach the streams it dialed.
func fake() (Transport, func() []*fakeStream) {
	var (
		mu      sync.Mutex
		sub     *fakeSub
		streams []*fakeStream
	)
	tr := Transport{
		Name: "fake",
		Listen: func(_ *harness.Config, _ string, d Deliver) (Sub, error) {
			mu.Lock()
			defer mu.Unlock()
			sub = &fakeSub{deliver: d}
			return sub, nil
		},
		Dial: func(cfg *harness.Config, _ string) ([]Stream, error) {
			mu.Lock()
			defer mu.Unlock()
			out := make([]Stream, cfg.Streams)
			for i := range out {
				s := &fakeStream{sub: sub, id: uint32(i)}
				streams = append(streams, s)
				out[i] = s
			}
			return out, nil
		},
	}
	return tr, func() []*fakeStream { mu.Lock(); defer mu.Unlock(); return streams }
}

func config(streams int, d time.Duration, rate float64, idle time.Duration) *harness.Config {
	return &harness.Config{
		Role: harness.RoleBoth, Transport: harness.TransportTCP, Streams: streams,
		SizeMin: 100, SizeMax: 100, Duration: d, Rate: rate, Idle: idle,
	}
}

func TestRunBoth(t *testing.T) {
	tests := []struct {
		name      string
		cfg       *harness.Config
		minPub    int64
		maxPub    int64
		wantFlush bool // every message flushed (paced)
	}{
		{name: "as fast as possible", cfg: config(3, 100*time.Millisecond, 0, 0), minPub: 1000, maxPub: 1 << 62},
		{name: "paced", cfg: config(2, 300*time.Millisecond, 1000, 0), minPub: 150, maxPub: 450, wantFlush: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, dialed := fake()
			var res harness.Result
			if err := runBoth(tr, tt.cfg, options{workers: 2}, &res); err != nil {
				t.Fatal(err)
			}
			if res.Published < tt.minPub || res.Published > tt.maxPub {
				t.Errorf("published %d, want %d..%d", res.Published, tt.minPub, tt.maxPub)
			}
			if res.Received != res.Published {
				t.Errorf("received %d of %d published", res.Received, res.Published)
			}
			if res.MsgsPerS <= 0 || res.LatencyUS.Max <= 0 || res.CPUSPerMillion <= 0 {
				t.Errorf("figures missing: %+v", res)
			}
			var flushes int64
			for _, s := range dialed() {
				if !s.closed {
					t.Errorf("stream %d not closed", s.id)
				}
				flushes += int64(s.flushes)
			}
			if tt.wantFlush && flushes < res.Published {
				t.Errorf("paced run flushed %d times for %d messages", flushes, res.Published)
			}
		})
	}
}

func TestRunBothIdle(t *testing.T) {
	tr, _ := fake()
	var res harness.Result
	cfg := config(50, time.Second, 0, 100*time.Millisecond)
	if err := runBoth(tr, cfg, options{workers: 1}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Published != 50 || res.Received != 50 {
		t.Errorf("published %d, received %d; want one per stream (50)", res.Published, res.Received)
	}
	if res.IdleS < 0.1 {
		t.Errorf("idle window %.3f s, want >= 0.1", res.IdleS)
	}
	if res.IdleCPUCores < 0 || res.IdleCPUCores > 1 {
		t.Errorf("idle CPU %.3f cores out of range", res.IdleCPUCores)
	}
}
