package metrics

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	namespace   = "nanoq"
	labelAddr   = "addr"
	labelPeer   = "peer"
	labelTarget = "target"
	labelReason = "reason"
	labelResult = "result"
)

// durationBuckets are the upper bounds, in seconds, of the stream-duration
// histograms: 1 s to a day, on human-friendly steps.
var durationBuckets = []float64{
	1, 2, 5, 10, 15, 30, 45, // seconds
	1 * 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60, 45 * 60, // minutes
	1 * 3600, 2 * 3600, 5 * 3600, 12 * 3600, 18 * 3600, 24 * 3600, // hours
}

// Metrics holds nanoQ's Prometheus collectors. A nil *Metrics is valid and
// records nothing. Safe for concurrent use.
type Metrics struct {
	pub, sub *side // immutable after New returns
}

// side holds one side's collectors (subsystem "pub" or "sub").
// Immutable after New returns; the vectors are safe for concurrent use.
type side struct {
	msgs, bytes         *prometheus.CounterVec // label addr
	lostMsgs, lostBytes *prometheus.CounterVec // labels addr, reason
	streams             *prometheus.GaugeVec
	duration            *prometheus.HistogramVec
	buffered            *prometheus.GaugeVec
	unacked             *prometheus.CounterVec            // publisher side only, else nil
	events              [numEvents]*prometheus.CounterVec // nil for the other side's events
	peerMsgs, peerBytes *prometheus.CounterVec            // subscriber side only: labels addr, peer
	peerStreams         *prometheus.GaugeVec              // subscriber side only: labels addr, peer
	targets             *prometheus.GaugeVec              // publisher side only: labels addr, target
	reasons             []Reason                          // resolved eagerly by handles
}

// New creates the collectors and registers them on reg. Registering twice on
// the same registry returns the collectors already registered there (no error,
// no panic). A nil reg gives working collectors that are not registered
// anywhere. On any other registration error nothing stays registered.
func New(reg prometheus.Registerer) (*Metrics, error) {
	r := &registrar{reg: reg}
	m := &Metrics{pub: newPub(r), sub: newSub(r)}
	if r.err != nil {
		for _, c := range r.added {
			reg.Unregister(c)
		}
		return nil, fmt.Errorf("nanoq: register metrics: %w", r.err)
	}
	return m, nil
}

// defaultMetrics builds the instance behind Default once; if that fails, it
// panics on every call, as prometheus.MustRegister would.
var defaultMetrics = sync.OnceValue(func() *Metrics {
	m, err := New(prometheus.DefaultRegisterer)
	if err != nil {
		panic(err)
	}
	return m
})

// Default returns the Metrics registered on prometheus.DefaultRegisterer; every
// call returns the same instance. It panics if collectors with nanoQ's names
// but other label names or types are already registered there.
func Default() *Metrics { return defaultMetrics() }

func newPub(r *registrar) *side {
	s := newSide(r, "pub")
	s.events[Reconnected] = counterVec(r, "pub", "reconnects_total", labelAddr)
	s.events[DialFailed] = counterVec(r, "pub", "dial_failures_total", labelAddr)
	s.events[HandedOver] = counterVec(r, "pub", "handovers_total", labelAddr)
	direct := counterVec(r, "pub", "direct_writes_total", labelAddr, labelResult)
	s.events[DirectAll], s.events[DirectPart], s.events[DirectNone] = direct, direct, direct
	s.targets = gaugeVec(r, "pub", "target_streams", labelAddr, labelTarget)
	s.unacked = counterVec(r, "pub", "unacked_bytes_total", labelAddr)
	s.reasons = pubReasons
	return s
}

func newSub(r *registrar) *side {
	s := newSide(r, "sub")
	s.events[AcceptError] = counterVec(r, "sub", "accept_errors_total", labelAddr)
	s.events[DrainBegun] = counterVec(r, "sub", "drains_begun_total", labelAddr)
	s.events[Drained] = counterVec(r, "sub", "drained_total", labelAddr)
	s.events[Rotated] = counterVec(r, "sub", "rotated_total", labelAddr)
	s.peerMsgs = counterVec(r, "sub", "peer_messages_total", labelAddr, labelPeer)
	s.peerBytes = counterVec(r, "sub", "peer_bytes_total", labelAddr, labelPeer)
	s.peerStreams = gaugeVec(r, "sub", "peer_streams", labelAddr, labelPeer)
	s.reasons = subReasons
	return s
}

// newSide registers the families both sides have, under subsystem sub.
func newSide(r *registrar, sub string) *side {
	return &side{
		msgs:      counterVec(r, sub, "messages_total", labelAddr),
		bytes:     counterVec(r, sub, "bytes_total", labelAddr),
		lostMsgs:  counterVec(r, sub, "lost_messages_total", labelAddr, labelReason),
		lostBytes: counterVec(r, sub, "lost_bytes_total", labelAddr, labelReason),
		streams:   gaugeVec(r, sub, "streams", labelAddr),
		duration:  histogramVec(r, sub, "stream_duration_seconds", labelAddr),
		buffered:  gaugeVec(r, sub, "buffered_bytes", labelAddr),
	}
}

func counterVec(r *registrar, subsystem, name string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help[subsystem+"_"+name],
	}, labels))
}

func gaugeVec(r *registrar, subsystem, name string, labels ...string) *prometheus.GaugeVec {
	return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help[subsystem+"_"+name],
	}, labels))
}

func histogramVec(r *registrar, subsystem, name string, labels ...string) *prometheus.HistogramVec {
	return register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help[subsystem+"_"+name],
		Buckets: durationBuckets,
	}, labels))
}

// registrar registers collectors one by one, remembering the first error
// and the collectors it added so New can undo them.
type registrar struct {
	reg   prometheus.Registerer // may be nil: register nothing
	added []prometheus.Collector
	err   error
}

// register registers c on r.reg and returns it, or returns the collector of
// the same type already registered there under the same descriptors.
func register[T prometheus.Collector](r *registrar, c T) T {
	if r.reg == nil || r.err != nil {
		return c
	}
	err := r.reg.Register(c)
	if err == nil {
		r.added = append(r.added, c)
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing
		}
	}
	r.err = err
	return c
}
