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
	// Both are immutable after New returns.
	pub, sub *side
}

// side holds one side's collectors (subsystem "pub" or "sub").
// Immutable after New returns; the vectors are safe for concurrent use.
type side struct {
	msgs, bytes         *prometheus.CounterVec // label addr
	lostMsgs, lostBytes *prometheus.CounterVec // labels addr, reason
	streams             *prometheus.GaugeVec
	duration            *prometheus.HistogramVec
	buffered            *prometheus.GaugeVec
	reconnects          *prometheus.CounterVec // publisher side only, else nil
	dialFailures        *prometheus.CounterVec // publisher side only, else nil
	unacked             *prometheus.CounterVec // publisher side only, else nil
	acceptErrors        *prometheus.CounterVec // subscriber side only, else nil
	peerMsgs, peerBytes *prometheus.CounterVec // subscriber side only: labels addr, peer
	peerStreams         *prometheus.GaugeVec   // subscriber side only: labels addr, peer
	targets             *prometheus.GaugeVec   // publisher side only: labels addr, target
	handOvers           *prometheus.CounterVec // publisher side only
	directWrites        *prometheus.CounterVec // publisher side only
	drains, rotated     *prometheus.CounterVec // subscriber side only
	drainsBegun         *prometheus.CounterVec // subscriber side only
	reasons             []Reason               // resolved eagerly by handles
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
	const sub = "pub"
	s := newSide(r, sub, sideHelp{
		msgs:      "Messages written to connections towards the subscriber at addr.",
		bytes:     "Wire bytes (payload and uvarint length prefix) of the messages in nanoq_pub_messages_total.",
		lostMsgs:  "Messages published towards addr that will never be sent, by reason.",
		lostBytes: "Wire bytes (payload and uvarint length prefix) of the messages in nanoq_pub_lost_messages_total, by reason.",
		streams:   "Publisher streams (one per stream key) currently open towards addr.",
		duration:  "Lifetime of closed publisher streams towards addr, from open to close.",
		buffered:  "Bytes published towards addr and not yet written to a socket.",
	})
	s.reconnects = counterVec(r, sub, "reconnects_total",
		"Connections opened again by publisher streams towards addr, after a lost connection or failed dials.", labelAddr)
	s.dialFailures = counterVec(r, sub, "dial_failures_total",
		"Failed dials (or enrollments) of publisher streams towards addr; each is retried with backoff.", labelAddr)
	s.handOvers = counterVec(r, sub, "handovers_total",
		"Connections towards addr that the subscriber closed gracefully (draining: a restart or a rotation by age), redialed at once.", labelAddr)
	s.directWrites = counterVec(r, sub, "direct_writes_total",
		"Writes towards addr made by Publish itself on an idle stream (no event-loop wake-up), by result: all (the socket took the batch), part (the loop writes the rest), none (the socket was full: the loop writes it).", labelAddr, labelResult)
	s.targets = gaugeVec(r, sub, "target_streams",
		"Publisher streams towards addr connected now to each address it resolved to (label target).", labelAddr, labelTarget)
	s.unacked = counterVec(r, sub, "unacked_bytes_total",
		"An upper bound, not an exact count: bytes the kernel had accepted towards addr that the peer had not acknowledged when a connection closed other than by a graceful drain (a reset by either side, an error, a WriteTimeout, a Shutdown cut short); messages counted sent may be among them. Linux only.", labelAddr)
	s.reasons = pubReasons
	return s
}

func newSub(r *registrar) *side {
	const sub = "sub"
	s := newSide(r, sub, sideHelp{
		msgs:      "Messages received by the subscriber listening on addr and delivered or queued.",
		bytes:     "Payload bytes of the messages in nanoq_sub_messages_total, without length prefixes.",
		lostMsgs:  "Messages received by the subscriber listening on addr that never reached the user, by reason.",
		lostBytes: "Payload bytes of the messages in nanoq_sub_lost_messages_total that arrived, by reason; for a rejected or cut frame only the part received.",
		streams:   "Connections from publishers to the subscriber listening on addr open now.",
		duration:  "Lifetime of closed connections to the subscriber listening on addr.",
		buffered:  "Payload bytes waiting in the receive queue of the subscriber listening on addr.",
	})
	s.acceptErrors = counterVec(r, sub, "accept_errors_total",
		"Failed accepts on the subscriber listening on addr.", labelAddr)
	s.drainsBegun = counterVec(r, sub, "drains_begun_total",
		"Connections to the subscriber on addr it began to drain (closed its write side: Drain, MaxConnectionAge).", labelAddr)
	s.drains = counterVec(r, sub, "drained_total",
		"Connections to the subscriber on addr drained to their end: it closed its side (Drain, MaxConnectionAge) and the publisher closed the other.", labelAddr)
	s.rotated = counterVec(r, sub, "rotated_total",
		"Connections to the subscriber on addr it began to drain for reaching MaxConnectionAge.", labelAddr)
	s.peerMsgs = counterVec(r, sub, "peer_messages_total",
		"Messages received from publisher host peer by the subscriber on addr; the series exists while peer has a connection open.", labelAddr, labelPeer)
	s.peerBytes = counterVec(r, sub, "peer_bytes_total",
		"Payload bytes of the messages in nanoq_sub_peer_messages_total; the series exists while peer has a connection open.", labelAddr, labelPeer)
	s.peerStreams = gaugeVec(r, sub, "peer_streams",
		"Connections from publisher host peer to the subscriber on addr open now; the series exists while that is above 0.", labelAddr, labelPeer)
	s.reasons = subReasons
	return s
}

// sideHelp holds the help texts of the families both sides have.
type sideHelp struct{ msgs, bytes, lostMsgs, lostBytes, streams, duration, buffered string }

// newSide registers the families both sides have, under subsystem sub.
func newSide(r *registrar, sub string, h sideHelp) *side {
	return &side{
		msgs:      counterVec(r, sub, "messages_total", h.msgs, labelAddr),
		bytes:     counterVec(r, sub, "bytes_total", h.bytes, labelAddr),
		lostMsgs:  counterVec(r, sub, "lost_messages_total", h.lostMsgs, labelAddr, labelReason),
		lostBytes: counterVec(r, sub, "lost_bytes_total", h.lostBytes, labelAddr, labelReason),
		streams:   gaugeVec(r, sub, "streams", h.streams, labelAddr),
		duration:  histogramVec(r, sub, "stream_duration_seconds", h.duration, labelAddr),
		buffered:  gaugeVec(r, sub, "buffered_bytes", h.buffered, labelAddr),
	}
}

func counterVec(r *registrar, subsystem, name, help string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help,
	}, labels))
}

func gaugeVec(r *registrar, subsystem, name, help string, labels ...string) *prometheus.GaugeVec {
	return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help,
	}, labels))
}

func histogramVec(r *registrar, subsystem, name, help string, labels ...string) *prometheus.HistogramVec {
	return register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: subsystem, Name: name, Help: help,
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
