package rig

import (
	"context"
	"errors"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// outageStart is how long after the first Publish an -outage run closes
// the subscriber.
const outageStart = time.Second

// outageSample is how often an outage run samples memory.
const outageSample = 50 * time.Millisecond

// subSet holds a run's subscribers: one, or with -outage the first and the
// one that comes back on the same address, recording into one Recorder.
type subSet struct {
	mu   sync.Mutex
	subs []*Sub // the last is current; all share subs[0].Rec
	err  error  // the restart's error

	// Written by the outage goroutine before done closes.
	peakRSS, peakHeap int64 // KiB, sampled while the subscriber is away
	done              chan struct{}
}

func newSubSet(s *Sub) *subSet { return &subSet{subs: []*Sub{s}} }

// Rec returns the Recorder every subscriber of the set records into.
func (u *subSet) Rec() *harness.Recorder { return u.subs[0].Rec }

// Lost sums the counted losses of every subscriber so far.
func (u *subSet) Lost() map[string]int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[string]int64{}
	for _, s := range u.subs {
		merge(out, s.Lost())
	}
	return out
}

// startOutage closes the subscriber outageStart from now, samples this
// process's memory (the publisher's alone then) every outageSample for
// o.Outage, then binds a new subscriber on the same address.
func (u *subSet) startOutage(ctx context.Context, o *Options) {
	u.done = make(chan struct{})
	go func() {
		defer close(u.done)
		if !sleepCtx(ctx, outageStart) {
			return
		}
		u.mu.Lock()
		first := u.subs[0]
		u.mu.Unlock()
		first.Close()
		end := time.Now().Add(o.Outage)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for time.Now().Before(end) {
			metrics.Read(sample)
			u.peakHeap = max(u.peakHeap, int64(sample[0].Value.Uint64()>>10))
			u.peakRSS = max(u.peakRSS, harness.RSSKiB())
			if !sleepCtx(ctx, outageSample) {
				return
			}
		}
		s, err := startSub(o, first.URL(), first.Rec)
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			u.err = err
			return
		}
		u.subs = append(u.subs, s)
	}()
}

// Close waits for the outage goroutine and closes the current subscriber.
func (u *subSet) Close() error {
	if u.done != nil {
		<-u.done
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return errors.Join(u.err, u.subs[len(u.subs)-1].Close())
}

// sleepCtx sleeps for d and reports true, or false as soon as ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
