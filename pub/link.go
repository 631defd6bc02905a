package pub

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
)

// handOverAfter: a connection the subscriber closes gracefully after
// living this long is a hand-over (redialed at once); sooner, the redial
// backs off, so a peer that accepts and closes at once is not hammered.
const handOverAfter = 100 * time.Millisecond

// link is one connection of a stream: the reactor.Handler enrolled with it.
// A stream gets a new link per connection, with its own tasks, so that a
// task still pending on the loop of a closed connection touches only that
// dead link, never the stream's next connection on another loop. Fields are
// event-loop only (the connection's loop) unless marked.
type link struct {
	s      *stream               // read-only
	flush  reactor.Task          // flushNow; in the link, on the line Publish reads anyway (a Task of its own was a cache miss per Publish at 10,000 streams)
	ls     *loopState            // set in OnOpen, read-only afterwards
	direct *reactor.DirectWriter // set in OnOpen, read-only afterwards; nil: no direct writes
	// batching: the loop's last writev of this connection carried more than
	// one frame, so no direct writes. Written by the loop, read by publishers
	// (with flush, ls and direct, the fields every Publish reads: together).
	batching atomic.Bool
	// Loop only; beside batching, where they fill its word's padding (the
	// link is 128 B, a size class, not 144).
	blocked   bool
	congested bool // the last writev left bytes in the reactor (see pressureBatch)

	target *metrics.Gauge // streams connected to the dialed address; set before Enroll

	// heldDone: bytes on the wire of a partial direct write whose batch (the
	// ring's Peek in flight) went to the loop. Written by the writer between
	// DirectWriter.Begin and Finish(true), read by the loop once Held
	// reports it (see writeDirect).
	// Both int32, so that the link stays 128 B (a size class): heldDone is
	// at most one batch or one frame (under 1 GiB).
	heldDone int32
	// directNext: µs since Publisher.epoch, wrapping, before which a stream
	// of a relaying loop writes no more directly (directStreamGap). Read by
	// publishers, written by direct writers between DirectWriter.Begin and
	// Finish.
	directNext atomic.Int32

	conn         *reactor.Conn // nil before OnOpen and after OnClose
	opened       int64         // ns since Publisher.epoch (int64s, not time.Time: 32 B less per idle stream)
	unsent       *unsent       // frames with bytes in the reactor's outbound buffer, not yet counted sent; nil until a writev first leaves some
	blockedSince int64         // ns since Publisher.epoch
	lastOB       int
	obCharged    int // outbound bytes charged to the memory budget
	slot         int // index in loopState.conns (SetIndex)
}

func newLink(s *stream) *link {
	l := &link{s: s}
	l.flush.Init(l.flushNow)
	return l
}

// closeConn closes the connection, if still open. Loop only.
func (l *link) closeConn() {
	if l.conn != nil {
		l.conn.Close()
	}
}

// OnOpen runs on the loop that now owns the connection.
func (l *link) OnOpen(c *reactor.Conn) {
	s := l.s
	s.owner.Store(ownLoop)
	s.dialing.Store(false) // the hand-off from the dial worker ends here
	l.conn = c
	l.direct = c.DirectWriter()
	c.LingerFIN() // a subscriber's FIN (draining) may come through a proxy
	l.opened = s.p.since()
	l.ls = s.p.loops[c.Loop().Index()]
	l.ls.conns.Add(l)
	l.target.Inc()
	s.state.Store(stateOpen)
	s.link.Store(l)
	if s.dials > 0 || s.failing { // a connection again: after a lost one, or after failed dials
		s.p.m.Count(metrics.Reconnected)
	}
	s.dials++
	if s.failing {
		s.p.log.Infof("stream %v: connected to %s", s.key, s.p.addr)
		s.failing = false
	}
	if s.closed.Load() {
		c.Close()
		return
	}
	l.flushNow()
}

// OnClose counts what the reactor held unsent, then finalizes the stream or
// hands it back to the dialer to reconnect.
func (l *link) OnClose(c *reactor.Conn, err error) {
	s := l.s
	// Before the state says backoff: Shutdown's drain must see a hand-over
	// that may finish held frames as busy (finishHeld settles this).
	mayFinish := errors.Is(err, io.EOF) && l.unsent.pending()
	if mayFinish {
		s.p.finishing.Add(1)
	}
	s.link.Store(nil)
	s.state.Store(stateBackoff)
	l.ls.remove(l)
	l.target.Dec()
	if l.direct != nil && l.direct.Held() { // final now: the DirectWriter is closed
		first, second, done := l.takeHeld()
		l.settlePartial(first, second, done)
		s.ring.Release()
	}
	if u := l.unsent; u.pending() {
		// What gnet wrote since the last look counts as sent; the rest
		// never reaches the socket (see reactor.Conn.Close).
		if f, b := u.progress(c.OutboundBuffered()); f > 0 {
			s.p.m.Transferred(f, b)
		}
	}
	if mayFinish {
		l.finishHeld(c)
	}
	if err != nil || l.unsent.pending() || s.ring.Len() > 0 { // finishHeld took l.unsent
		// Not a graceful drain: what the kernel took and the subscriber
		// has not acknowledged was counted sent and may never arrive.
		s.p.m.Unacked(c.UnackedAtClose())
	}
	if u := l.unsent; u.pending() { // never counted as sent: see flushNow
		s.p.lost(metrics.Disconnected, u.frames, u.bytes)
		u.reset()
	}
	l.conn = nil
	l.setOB(0)
	if s.closed.Load() {
		s.finalize()
		return
	}
	lived := time.Duration(s.p.since() - l.opened)
	drained := errors.Is(err, io.EOF) && lived > handOverAfter
	switch {
	case drained:
		// The subscriber is draining (a restart, a rotation by age): hand over,
		// redialing at once (through a balancer to another replica, or to the successor).
		s.p.log.Debugf("stream %v to %s: the subscriber closed its side: reconnecting", s.key, s.p.addr)
		s.p.m.Count(metrics.HandedOver)
	case err != nil && !s.failing:
		s.p.log.Warnf("stream %v to %s: connection lost: %v (reconnecting)", s.key, s.p.addr, err)
		s.failing = true
	}
	if lived > time.Second {
		s.bo.Reset()
	}
	s.redial = !drained
	s.owner.Store(ownDialer)
	if drained {
		s.p.dialer.dialNow(s)
		return
	}
	s.p.dialer.request(s)
}

// OnData discards what a subscriber sends: the protocol has no replies.
func (l *link) OnData(*reactor.Conn, []byte) {}
