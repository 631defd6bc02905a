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
	// Immutable after Pub or Sub returns (the children are concurrency-safe).
	sent     counts // or received, on a subscriber
	streams  prometheus.Gauge
	duration prometheus.Observer
	buffered prometheus.Gauge
	unacked  prometheus.Counter            // nil on subscriber handles
	events   [numEvents]prometheus.Counter // nil for the other side's events
	side     *side                         // to resolve the children of rarer reasons
	addr     string

	// lost[r] is set at creation for the side's usual reasons and by the
	// first Lost(r) for the others; any goroutine may set it, always to the
	// same children, so the race is benign and lock-free.
	lost [NumReasons]atomic.Pointer[counts]
}

// counts are the counters of one series pair: messages and their bytes.
type counts struct{ msgs, bytes prometheus.Counter }

// add counts n messages of the given total bytes.
func (c *counts) add(n, bytes int) {
	c.msgs.Add(float64(n))
	c.bytes.Add(float64(bytes))
}

// Pub returns the handle for a publisher's destination address (label addr).
// Nil-safe: a nil *Metrics gives a nil *Addr, whose methods do nothing.
func (m *Metrics) Pub(addr string) *Addr {
	if m == nil {
		return nil
	}
	return newAddr(m.pub, addr)
}

// Sub returns the handle for a subscriber (label addr: its listen address),
// shared by all of its connections. Per-peer series are Peers'.
func (m *Metrics) Sub(addr string) *Addr {
	if m == nil {
		return nil
	}
	return newAddr(m.sub, addr)
}

func newAddr(sd *side, addr string) *Addr {
	s := &Addr{
		sent:     counts{sd.msgs.WithLabelValues(addr), sd.bytes.WithLabelValues(addr)},
		streams:  sd.streams.WithLabelValues(addr),
		duration: sd.duration.WithLabelValues(addr),
		buffered: sd.buffered.WithLabelValues(addr),
		side:     sd,
		addr:     addr,
	}
	if sd.unacked != nil {
		s.unacked = sd.unacked.WithLabelValues(addr)
	}
	for e, vec := range sd.events {
		switch result := directResults[e]; {
		case vec == nil: // the other side's event
		case result != "":
			s.events[e] = vec.WithLabelValues(addr, result)
		default:
			s.events[e] = vec.WithLabelValues(addr)
		}
	}
	for _, r := range sd.reasons {
		s.resolveLost(r)
	}
	return s
}

// resolveLost looks up the lost children of reason r, stores and returns
// them. It allocates; Lost calls it at most once per reason per handle in
// the common case.
func (s *Addr) resolveLost(r Reason) *counts {
	name := r.String()
	lc := &counts{s.side.lostMsgs.WithLabelValues(s.addr, name), s.side.lostBytes.WithLabelValues(s.addr, name)}
	s.lost[r].Store(lc)
	return lc
}

// Transferred counts n messages of the given total payload bytes as sent
// (publisher: written to the socket) or received (subscriber: delivered to
// the handler or queued for Receive). n and bytes must not be negative.
func (s *Addr) Transferred(n, bytes int) {
	if s != nil {
		s.sent.add(n, bytes)
	}
}

// Lost counts n messages of the given total payload bytes as lost for reason r.
// n and bytes must not be negative; r must be below NumReasons, or Lost panics.
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
	lc.add(n, bytes)
}

// Opened adds one current stream.
func (s *Addr) Opened() {
	if s != nil {
		s.streams.Inc()
	}
}

// Closed removes one current stream that lived for d (a negative d counts as 0).
func (s *Addr) Closed(d time.Duration) {
	if s != nil {
		s.streams.Dec()
		s.duration.Observe(max(d, 0).Seconds())
	}
}

// Unacked adds n bytes to the upper bound of bytes an aborted connection's
// kernel held unacknowledged. It does nothing on a subscriber's handle.
func (s *Addr) Unacked(n int) {
	if s != nil && s.unacked != nil && n > 0 {
		s.unacked.Add(float64(n))
	}
}

// Buffered adds delta (may be negative) to the buffered-bytes gauge.
func (s *Addr) Buffered(delta int) {
	if s != nil {
		s.buffered.Add(float64(delta))
	}
}

// Event is something that happens to a stream or connection of one
// address, counted by Count.
type Event uint8

// Events. Each belongs to one side; Count ignores it on the other side's handle.
const (
	Reconnected Event = iota // a publisher stream's connection opened again, after a lost one or failed dials
	DialFailed               // a publisher stream's dial failed
	HandedOver               // the subscriber closed a publisher connection gracefully (draining): redialed at once
	DirectAll                // Publish wrote an idle stream's batch itself and the socket took it all
	DirectPart               // Publish wrote part of it; the event loop writes the rest
	DirectNone               // the socket was full: the event loop writes the batch
	DrainBegun               // a subscriber began to drain a connection (closed its write side)
	Drained                  // a subscriber connection drained to its end: the publisher closed its side too
	Rotated                  // a subscriber began to drain a connection for reaching MaxConnectionAge
	AcceptError              // a subscriber's accept failed
	numEvents
)

// directResults are the result labels of the Direct events.
var directResults = [numEvents]string{DirectAll: "all", DirectPart: "part", DirectNone: "none"}

// Count counts one event e.
func (s *Addr) Count(e Event) {
	if s != nil && s.events[e] != nil {
		s.events[e].Inc()
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
