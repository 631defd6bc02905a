package rig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
)

// Sub is a bound nanoQ Subscriber recording every message into a Recorder.
type Sub struct {
	// Read-only after StartSub.
	S   *sub.Subscriber
	Rec *harness.Recorder
	Reg *prometheus.Registry // the subscriber's private metrics
	url string               // bound address, nanoQ URL form

	wg sync.WaitGroup // receiver goroutines (receive delivery)
}

// StartSub binds a Subscriber at listenURL (port 0 allowed) delivering per
// o.Delivery, and starts the receiver goroutines of receive delivery.
func StartSub(o *Options, listenURL string) (*Sub, error) {
	return startSub(o, listenURL, harness.NewRecorder())
}

// startSub is StartSub recording into rec (a subscriber that comes back
// after an outage records into its predecessor's Recorder).
func startSub(o *Options, listenURL string, rec *harness.Recorder) (*Sub, error) {
	m, reg, err := newMetrics()
	if err != nil {
		return nil, err
	}
	s := &Sub{Rec: rec, Reg: reg}
	so := sub.Options{
		MaxPayload: o.SizeMax,
		QueueBytes: o.QueueBytes,
		EventLoops: o.SubLoops,
		Metrics:    m,
		ReusePort:  o.ReusePort,
	}
	if so.QueueBytes == 0 {
		so.QueueBytes = DefaultQueueBytes
	}
	if o.Delivery != DeliveryReceive {
		so.Handler = func(payload []byte, sd sub.StreamDescriptor) { rec.RecordStream(payload, uint32(sd)) }
	}
	if s.S, err = sub.New(listenURL, so); err != nil {
		return nil, err
	}
	if err := s.S.Bind(); err != nil {
		s.S.Close()
		return nil, err
	}
	scheme, _, _ := strings.Cut(listenURL, "://")
	s.url = scheme + "://" + s.S.Addr().String()
	if o.Delivery == DeliveryReceive {
		for range max(o.Receivers, 1) {
			s.wg.Go(func() { s.receive(o.SizeMax) })
		}
	}
	return s, nil
}

// receive runs on a receiver goroutine until the Subscriber closes.
func (s *Sub) receive(size int) {
	buf := make([]byte, size)
	ctx := context.Background()
	for {
		p, sd, err := s.S.Receive(ctx, buf)
		if err != nil {
			if errors.Is(err, sub.ErrClosed) {
				return
			}
			continue // short buffer: counted lost by nanoQ; cannot happen at MaxPayload = size
		}
		s.Rec.RecordStream(p, uint32(sd))
	}
}

// URL returns the bound address in nanoQ form, e.g. tcp4://127.0.0.1:40123.
func (s *Sub) URL() string { return s.url }

// Close closes the Subscriber and waits for the receiver goroutines.
func (s *Sub) Close() error {
	err := s.S.Close()
	s.wg.Wait()
	return err
}

// Lost returns the subscriber's counted losses by reason.
func (s *Sub) Lost() map[string]int64 { return lostByReason(s.Reg, "nanoq_sub_lost_messages_total") }

// newMetrics returns nanoQ metrics on a fresh private registry.
func newMetrics() (*metrics.Metrics, *prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		return nil, nil, fmt.Errorf("nanoq: bench metrics: %w", err)
	}
	return m, reg, nil
}

// lostByReason sums the named loss counters by their reason label, keeping
// nonzero reasons only.
func lostByReason(g prometheus.Gatherer, names ...string) map[string]int64 {
	out := map[string]int64{}
	mfs, err := g.Gather()
	if err != nil {
		return out
	}
	for _, mf := range mfs {
		for _, name := range names {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				v := int64(m.GetCounter().GetValue())
				if v == 0 {
					continue
				}
				for _, l := range m.GetLabel() {
					if l.GetName() == "reason" {
						out[l.GetValue()] += v
					}
				}
			}
		}
	}
	return out
}

// sumCounter sums every series of the named counter.
func sumCounter(g prometheus.Gatherer, name string) int64 {
	mfs, err := g.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return int64(sum)
}

// total sums the values of a loss map.
func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// merge adds b's counts into a and returns a.
func merge(a, b map[string]int64) map[string]int64 {
	for k, v := range b {
		a[k] += v
	}
	return a
}
