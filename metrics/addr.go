package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Addr is the handle of one address (label addr: a publisher's
// destination, or a subscriber's listen address), with its label children
// resolved once; meant to be updated per batch (per flush, per traffic
// event), not per message. A nil *Addr does nothing. Safe for concurrent
// use; no method allocates or looks up a label.
type Addr struct {
	// Immutable after Pub or Sub returns; the children are safe for
	// concurrent use.
	msgs, bytes  prometheus.Counter
	streams      prometheus.Gauge
	duration     prometheus.Observer
	buffered     prometheus.Gauge
	reconnects   prometheus.Counter    // nil on subscriber handles
	dialFailures prometheus.Counter    // nil on subscriber handles
	unacked      prometheus.Counter    // nil on subscriber handles
	handOvers    prometheus.Counter    // nil on subscriber handles
	direct       [3]prometheus.Counter // DirectAll, DirectPart, DirectNone; nil on subscriber handles
	drainsBegun  prometheus.Counter    // nil on publisher handles
	drains       prometheus.Counter    // nil on publisher handles
	rotated      prometheus.Counter    // nil on publisher handles
	acceptErrors prometheus.Counter    // nil on publisher handles
	side         *side                 // to resolve the children of rarer reasons
	addr         string

	// lost[r] is set at creation for the side's usual reasons and by the
	// first Lost(r) for the others; any goroutine may set it, always to the
	// same children, so the race is benign and lock-free.
	lost [NumReasons]atomic.Pointer[lostChildren]
}

// lostChildren are the lost counters of one (addr, reason) pair.
type lostChildren struct{ msgs, bytes prometheus.Counter }

// Pub returns the handle for a publisher's destination address (label addr),
// with every label child resolved once. Nil-safe: a nil *Metrics gives a nil
// *Addr, whose methods do nothing. AcceptError does nothing on it.
func (m *Metrics) Pub(addr string) *Addr {
	if m == nil {
		return nil
	}
	return newAddr(m.pub, addr)
}

// Sub returns the handle for a subscriber (label addr: its listen address),
// shared by all of its connections. Per-peer series are Peers'.
// Reconnected does nothing on it.
func (m *Metrics) Sub(addr string) *Addr {
	if m == nil {
		return nil
	}
	return newAddr(m.sub, addr)
}

func newAddr(sd *side, addr string) *Addr {
	s := &Addr{
		msgs:     sd.msgs.WithLabelValues(addr),
		bytes:    sd.bytes.WithLabelValues(addr),
		streams:  sd.streams.WithLabelValues(addr),
		duration: sd.duration.WithLabelValues(addr),
		buffered: sd.buffered.WithLabelValues(addr),
		side:     sd,
		addr:     addr,
	}
	if sd.reconnects != nil {
		s.reconnects = sd.reconnects.WithLabelValues(addr)
		s.dialFailures = sd.dialFailures.WithLabelValues(addr)
		s.unacked = sd.unacked.WithLabelValues(addr)
		s.handOvers = sd.handOvers.WithLabelValues(addr)
		for r, v := range directResults {
			s.direct[r] = sd.directWrites.WithLabelValues(addr, v)
		}
	}
	if sd.drains != nil {
		s.drains = sd.drains.WithLabelValues(addr)
		s.drainsBegun = sd.drainsBegun.WithLabelValues(addr)
		s.rotated = sd.rotated.WithLabelValues(addr)
	}
	if sd.acceptErrors != nil {
		s.acceptErrors = sd.acceptErrors.WithLabelValues(addr)
	}
	for _, r := range sd.reasons {
		s.resolveLost(r)
	}
	return s
}

// resolveLost looks up the lost children of reason r, stores and returns
// them. It allocates; Lost calls it at most once per reason per handle in
// the common case.
func (s *Addr) resolveLost(r Reason) *lostChildren {
	name := r.String()
	lc := &lostChildren{
		msgs:  s.side.lostMsgs.WithLabelValues(s.addr, name),
		bytes: s.side.lostBytes.WithLabelValues(s.addr, name),
	}
	s.lost[r].Store(lc)
	return lc
}

// Transferred counts n messages of the given total payload bytes as sent
// (publisher: written to the socket) or received (subscriber: delivered to
// the handler or queued for Receive). n and bytes must not be negative.
func (s *Addr) Transferred(n, bytes int) {
	if s == nil {
		return
	}
	s.msgs.Add(float64(n))
	s.bytes.Add(float64(bytes))
}

// Lost counts n messages of the given total payload bytes as lost for reason
// r. n and bytes must not be negative; r must be below NumReasons, or Lost
// panics.
func (s *Addr) Lost(r Reason, n, bytes int) {
	if s == nil {
		return
	}
	if r >= NumReasons {
		panic("metrics: Lost with an invalid Reason")
	}
	lc := s.lost[r].Load()
	if lc == nil {
		lc = s.resolveLost(r)
	}
	lc.msgs.Add(float64(n))
	lc.bytes.Add(float64(bytes))
}

// Opened adds one current stream.
func (s *Addr) Opened() {
	if s == nil {
		return
	}
	s.streams.Inc()
}

// Closed removes one current stream that lived for d (a negative d counts
// as 0).
func (s *Addr) Closed(d time.Duration) {
	if s == nil {
		return
	}
	s.streams.Dec()
	s.duration.Observe(max(d, 0).Seconds())
}

// Reconnected counts one connection a publisher stream opened again (after
// a lost connection or failed dials). It does nothing on a subscriber's
// handle.
func (s *Addr) Reconnected() {
	if s == nil || s.reconnects == nil {
		return
	}
	s.reconnects.Inc()
}

// DialFailed counts one failed dial of a publisher stream. It does nothing
// on a subscriber's handle.
func (s *Addr) DialFailed() {
	if s == nil || s.dialFailures == nil {
		return
	}
	s.dialFailures.Inc()
}

// Unacked adds n bytes to the upper bound of bytes an aborted connection's
// kernel held unacknowledged. It does nothing on a subscriber's handle.
func (s *Addr) Unacked(n int) {
	if s == nil || s.unacked == nil || n <= 0 {
		return
	}
	s.unacked.Add(float64(n))
}

// Buffered adds delta (may be negative) to the buffered-bytes gauge.
func (s *Addr) Buffered(delta int) {
	if s == nil {
		return
	}
	s.buffered.Add(float64(delta))
}

// Results of a direct write (DirectWrite), label result of
// nanoq_pub_direct_writes_total.
const (
	DirectAll  = iota // the socket took the whole batch
	DirectPart        // it took part: the event loop writes the rest
	DirectNone        // it took nothing: the event loop writes the batch
)

var directResults = [...]string{DirectAll: "all", DirectPart: "part", DirectNone: "none"}

// DirectWrite counts one write made by Publish itself, with its result
// (DirectAll, DirectPart, DirectNone). Nothing on a subscriber's handle.
func (s *Addr) DirectWrite(result int) {
	if s != nil && s.direct[result] != nil {
		s.direct[result].Inc()
	}
}

// HandedOver counts one publisher connection its subscriber closed
// gracefully (draining), redialed at once. Nothing on a subscriber's handle.
func (s *Addr) HandedOver() {
	if s != nil && s.handOvers != nil {
		s.handOvers.Inc()
	}
}

// DrainBegun counts one connection a subscriber began to drain (it closed
// its write side). Nothing on a publisher's handle.
func (s *Addr) DrainBegun() {
	if s != nil && s.drainsBegun != nil {
		s.drainsBegun.Inc()
	}
}

// Drained counts one connection a subscriber drained to its end: it closed
// its side and the publisher closed the other. Nothing on a publisher's
// handle.
func (s *Addr) Drained() {
	if s != nil && s.drains != nil {
		s.drains.Inc()
	}
}

// Rotated counts one connection a subscriber began to drain because it
// reached MaxConnectionAge. Nothing on a publisher's handle.
func (s *Addr) Rotated() {
	if s != nil && s.rotated != nil {
		s.rotated.Inc()
	}
}

// Gauge is one gauge series, resolved once. A nil *Gauge does nothing.
// Safe for concurrent use; its methods do not allocate or lock.
type Gauge struct{ g prometheus.Gauge }

// Inc adds one.
func (g *Gauge) Inc() {
	if g != nil {
		g.g.Inc()
	}
}

// Dec subtracts one.
func (g *Gauge) Dec() {
	if g != nil {
		g.g.Dec()
	}
}

// Target returns the gauge of a publisher's streams connected to target,
// one of the addresses its destination resolved to. It looks the label up
// (not for event loops); nil on a subscriber's handle.
func (s *Addr) Target(target string) *Gauge {
	if s == nil || s.side.targets == nil {
		return nil
	}
	return &Gauge{g: s.side.targets.WithLabelValues(s.addr, target)}
}

// AcceptError counts one failed accept on a subscriber's listener. It does
// nothing on a publisher's handle.
func (s *Addr) AcceptError() {
	if s == nil || s.acceptErrors == nil {
		return
	}
	s.acceptErrors.Inc()
}
