package rig

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// Idle mode: open every stream with one message, then stay connected and
// silent for o.Idle, measuring the CPU used over that window and, at its
// end, the resident memory the idle streams hold.

// settled is VmRSS and the live heap after collections that give free
// memory back, so the difference of two readings tracks live memory. Two
// collections, since a sync.Pool keeps what it held through one (pooled
// buffers are shared capacity, not memory of any one stream).
type settled struct{ rssKiB, heap, objects int64 }

func settle() settled {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return settled{harness.RSSKiB(), int64(m.HeapAlloc), int64(m.HeapObjects)}
}

// perStream records the growth from s0 to now, per stream, in res.
func (s0 settled) perStream(res *harness.Result, streams int) {
	s1, n := settle(), float64(streams)
	res.RSSPerStreamKiB = float64(s1.rssKiB-s0.rssKiB) / n
	res.HeapPerStreamB = float64(s1.heap-s0.heap) / n
	res.ObjectsPerStream = float64(s1.objects-s0.objects) / n
}

// idleWindow measures the CPU cores used while sleeping through o.Idle.
func idleWindow(ctx context.Context, o *Options, res *harness.Result) {
	cpu0, t0 := harness.CPUSeconds(), time.Now()
	hold(ctx, o)
	res.CPUS = harness.CPUSeconds() - cpu0
	res.IdleCPUCores = res.CPUS / time.Since(t0).Seconds()
	res.Goroutines = runtime.NumGoroutine()
}

// hold waits o.Idle, or until ctx ends: the idle window, and after a
// one-role process's measurement the same again with its connections open,
// so that the other process, measuring as late, still finds every stream
// connected.
func hold(ctx context.Context, o *Options) {
	t := time.NewTimer(o.Idle)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// idleBoth runs idle mode with both sides in this process.
func idleBoth(ctx context.Context, o *Options, s *Sub, p *Pub) (*harness.Result, error) {
	res := o.baseResult()
	s0 := settle()
	res.Published, res.PublishErrors = p.PublishOne(&o.Config)
	waitFor(ctx, o.Duration+noTrafficPad, func() bool {
		msgs, _, _ := s.Rec.Snapshot()
		return msgs+total(p.Lost())+total(s.Lost()) >= res.Published
	})
	idleWindow(ctx, o, res)
	s0.perStream(res, o.Streams)
	if err := p.Shutdown(shutdownBound); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("nanoq: bench: publisher shutdown: %w", err)
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("nanoq: bench: subscriber close: %w", err)
	}
	s.Rec.Fill(res)
	res.LostCounted = merge(p.Lost(), s.Lost())
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}

// idlePub runs idle mode's publisher side: its streams are connected once
// every message was written to a socket.
func idlePub(ctx context.Context, o *Options, p *Pub) (*harness.Result, error) {
	res := o.baseResult()
	s0 := settle()
	res.Published, res.PublishErrors = p.PublishOne(&o.Config)
	waitFor(ctx, o.Duration+noTrafficPad, func() bool { return p.Written()+total(p.Lost()) >= res.Published })
	idleWindow(ctx, o, res)
	s0.perStream(res, o.Streams)
	hold(ctx, o)
	if err := p.Shutdown(shutdownBound); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("nanoq: bench: publisher shutdown: %w", err)
	}
	res.LostCounted = p.Lost()
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}

// idleSub runs idle mode's subscriber side: the streams are connected once
// one message per stream has arrived.
func idleSub(ctx context.Context, o *Options, s *Sub, ready func(string)) (*harness.Result, error) {
	res := o.baseResult()
	s0 := settle()
	ready(s.URL())
	waitFor(ctx, o.Duration+noTrafficPad, func() bool {
		msgs, _, _ := s.Rec.Snapshot()
		return msgs >= int64(o.Streams)
	})
	idleWindow(ctx, o, res)
	s0.perStream(res, o.Streams)
	hold(ctx, o)
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("nanoq: bench: subscriber close: %w", err)
	}
	s.Rec.Fill(res)
	res.LostCounted = s.Lost()
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}
