package rig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// Bounds of the ending rules (benchspec.md).
const (
	settleBound   = 5 * time.Second  // both: wait for received + lost == published
	shutdownBound = 5 * time.Second  // pub: drain before closing
	quietPeriod   = time.Second      // sub: silence that ends a split run
	drainBound    = 10 * time.Second // sub with DrainOnSignal: the drain's bound
	noTrafficPad  = 10 * time.Second
)

// Run validates o and runs its role. ctx cancels a run early (the result
// then covers what happened so far).
func Run(ctx context.Context, o *Options) (*harness.Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	switch o.Role {
	case harness.RolePub:
		return RunPub(ctx, o)
	case harness.RoleSub:
		return RunSub(ctx, o)
	}
	return RunBoth(ctx, o)
}

// RunBoth runs a Subscriber and a Publisher in this process: it publishes
// for o.Duration, waits until received + counted-lost == published (at most
// 5 s), and returns the merged result.
func RunBoth(ctx context.Context, o *Options) (*harness.Result, error) {
	lurl, cleanup, err := o.ListenURL()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	s, err := StartSub(o, lurl)
	if err != nil {
		return nil, err
	}
	if o.Idle > 0 {
		defer s.Close()
		p, err := NewPub(o, s.URL())
		if err != nil {
			return nil, err
		}
		defer p.Shutdown(shutdownBound)
		return idleBoth(ctx, o, s, p)
	}
	subs := newSubSet(s)
	defer subs.Close()
	p, err := NewPub(o, s.URL())
	if err != nil {
		return nil, err
	}
	defer p.Shutdown(shutdownBound) // on early returns; a second call is harmless
	res := o.baseResult()
	res.MaxBufferKiB = int64(p.MaxBuffer) >> 10

	cpu0, costs := harness.CPUSeconds(), harness.TakeCosts()
	stopProgress := startProgress(o.Progress, func() sample {
		pubd, _ := p.Published()
		msgs, bytes, _ := subs.Rec().Snapshot()
		lost := merge(p.Lost(), subs.Lost())
		return sample{msgs: msgs, bytes: bytes, inFlight: max(0, pubd-msgs-total(lost)), lost: lost}
	})
	defer stopProgress()
	warm, warmErrs := p.Connect(ctx, &o.Config, connectBound)
	if o.Outage > 0 {
		subs.startOutage(ctx, o)
	}
	publishFor(ctx, o, p)
	published, errs := p.Published()
	published, errs = published+warm, errs+warmErrs
	waitFor(ctx, settleBound, func() bool {
		msgs, _, _ := subs.Rec().Snapshot()
		return msgs+total(p.Lost())+total(subs.Lost()) >= published
	})
	res.Goroutines = runtime.NumGoroutine()
	res.CPUS = harness.CPUSeconds() - cpu0
	costs.Fill(res)
	stopProgress()

	if err := p.Shutdown(shutdownBound); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("nanoq: bench: publisher shutdown: %w", err)
	}
	if err := subs.Close(); err != nil {
		return nil, fmt.Errorf("nanoq: bench: subscriber close: %w", err)
	}
	res.Published, res.PublishErrors = published, errs
	subs.Rec().Fill(res)
	if err := subs.Rec().WriteHist(o.Hist); err != nil {
		return nil, err
	}
	res.LostCounted = merge(p.Lost(), subs.Lost())
	if o.Outage > 0 {
		res.OutageS = o.Outage.Seconds()
		res.OutagePeakRSSKiB, res.OutagePeakHeapKiB = subs.peakRSS, subs.peakHeap
	}
	res.CPUSPerMillion = perMillion(res.CPUS, res.Received)
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}

// RunPub publishes to o.URL for o.Duration, then shuts the Publisher down
// (draining for at most 5 s).
func RunPub(ctx context.Context, o *Options) (*harness.Result, error) {
	p, err := NewPub(o, o.URL)
	if err != nil {
		return nil, err
	}
	defer p.Shutdown(shutdownBound)
	if o.Idle > 0 {
		return idlePub(ctx, o, p)
	}
	res := o.baseResult()
	res.MaxBufferKiB = int64(p.MaxBuffer) >> 10
	cpu0, costs := harness.CPUSeconds(), harness.TakeCosts()
	stopProgress := startProgress(o.Progress, func() sample {
		pubd, _ := p.Published()
		return sample{msgs: pubd, bytes: sumCounter(p.Reg, "nanoq_pub_bytes_total"), inFlight: -1, lost: p.Lost()}
	})
	defer stopProgress()
	warm, warmErrs := p.Connect(ctx, &o.Config, connectBound)
	publishFor(ctx, o, p)
	res.Goroutines = runtime.NumGoroutine()
	costs.Fill(res)
	stopProgress()
	if err := p.Shutdown(shutdownBound); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("nanoq: bench: publisher shutdown: %w", err)
	}
	res.CPUS = harness.CPUSeconds() - cpu0
	res.Published, res.PublishErrors = p.Published()
	res.Published, res.PublishErrors = res.Published+warm, res.PublishErrors+warmErrs
	res.LostCounted = p.Lost()
	res.CPUSPerMillion = perMillion(res.CPUS, res.Published)
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}

// RunSub binds o.URL (or a default address), announces it through o.Ready,
// and records traffic until a second of silence after the first message
// (or o.Duration + 10 s without any).
func RunSub(ctx context.Context, o *Options) (*harness.Result, error) {
	lurl, cleanup, err := o.ListenURL()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	s, err := StartSub(o, lurl)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	ready := o.Ready
	if ready == nil {
		ready = harness.Ready
	}
	if o.Idle > 0 {
		return idleSub(ctx, o, s, ready)
	}
	res := o.baseResult()
	cpu0, costs := harness.CPUSeconds(), harness.TakeCosts()
	stopProgress := startProgress(o.Progress, func() sample {
		msgs, bytes, _ := s.Rec.Snapshot()
		return sample{msgs: msgs, bytes: bytes, inFlight: -1, lost: s.Lost()}
	})
	defer stopProgress()
	ready(s.URL())
	if o.DrainOnSignal {
		<-ctx.Done()
		dctx, cancel := context.WithTimeout(context.Background(), drainBound)
		err := s.S.Drain(dctx)
		cancel()
		if err != nil {
			fmt.Fprintf(o.progressOrDiscard(), "nqbench: drain: %v\n", err)
		}
	} else {
		harness.WaitQuietContext(ctx, s.Rec, quietPeriod, o.Duration+noTrafficPad)
	}
	res.Goroutines = runtime.NumGoroutine()
	res.CPUS = harness.CPUSeconds() - cpu0
	costs.Fill(res)
	stopProgress()
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("nanoq: bench: subscriber close: %w", err)
	}
	s.Rec.Fill(res)
	if err := s.Rec.WriteHist(o.Hist); err != nil {
		return nil, err
	}
	res.LostCounted = s.Lost()
	res.CPUSPerMillion = perMillion(res.CPUS, res.Received)
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res, nil
}

// progressOrDiscard is where diagnostics go: Progress, or nowhere.
func (o *Options) progressOrDiscard() io.Writer {
	if o.Progress == nil {
		return io.Discard
	}
	return o.Progress
}

// connectBound bounds Connect: dialing every stream before a measured run.
const connectBound = time.Minute

// publishFor runs the publishing goroutines for o.Duration or until ctx is
// done.
func publishFor(ctx context.Context, o *Options, p *Pub) {
	var stop atomic.Bool
	t := time.AfterFunc(o.Duration, func() { stop.Store(true) })
	defer t.Stop()
	defer context.AfterFunc(ctx, func() { stop.Store(true) })()
	p.Run(o, &stop)
}

// waitFor polls cond every millisecond until it holds, bound passes or ctx
// is done; it reports whether cond held.
func waitFor(ctx context.Context, bound time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(bound)
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

func perMillion(cpu float64, n int64) float64 {
	if n == 0 {
		return 0
	}
	return cpu / float64(n) * 1e6
}
