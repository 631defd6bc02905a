package sub

import (
	"time"

	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// loopState is the subscriber's registry of the connections on one event
// loop, for the idle sweep. All fields but the read-only s, loop and tasks
// are event-loop only.
type loopState struct {
	s        *Subscriber
	loop     *reactor.Loop
	sweep    *reactor.Task // closeIdle
	drainAll *reactor.Task // drainAllConns (Drain)
	trim     *reactor.Task // gives the receive queue's memory back; nil with a Handler
	conns    reactor.Set[*conn]
	// scratch receives what a closing connection's kernel still held
	// (conn.discardRest); allocated on the first such close.
	scratch []byte
	// Per traffic event, not per conn: frames the queue dropped (OnData) and
	// what discardRest dropped.
	full, discarded ring.Dropped
	// A Drain's FINs (drainAllConns): when they began (0: not yet), over how
	// long they are spread, and how many connections they cover and have
	// reached.
	finStart, finSpread int64
	finTotal, finSent   int
}

func newLoopState(s *Subscriber, l *reactor.Loop) *loopState {
	ls := &loopState{s: s, loop: l}
	ls.sweep = reactor.NewTask(ls.closeIdle)
	ls.drainAll = reactor.NewTask(ls.drainAllConns)
	if s.queue != nil {
		ls.trim = reactor.NewTask(s.queue.Lane(l.Index()).Trim)
	}
	return ls
}

// closeIdle runs on the loop: it closes connections silent for longer than
// KeepaliveTimeout, and those inside a frame for longer than FrameTimeout.
// A close removes the connection at once, which Set.Each allows.
func (l *loopState) closeIdle() {
	ka, ft := int64(l.s.opts.KeepaliveTimeout), int64(l.s.opts.FrameTimeout)
	grace := int64(l.s.opts.MaxConnectionAgeGrace)
	now := l.s.clock.Now()
	l.conns.Each(func(c *conn) {
		switch {
		case c.dead:
			return
		case ka > 0 && now-c.lastSeen > ka:
			l.s.log.Infof("stream %d from %s: silent for %v, closing", c.desc, c.remote(), l.s.opts.KeepaliveTimeout)
		case (c.pending != nil || c.proxyWait) && now-c.pendingSince > ft:
			l.s.log.Infof("stream %d from %s: a frame unfinished after %v, closing", c.desc, c.remote(), l.s.opts.FrameTimeout)
		case c.draining && grace > 0 && now-c.drainSince > grace && !l.s.draining.Load():
			l.s.log.Infof("stream %d from %s: %v, closing", c.desc, c.remote(), errNotDrained)
		case !c.draining && c.maxAge > 0 && now-c.openedAt > c.maxAge:
			l.s.log.Debugf("stream %d from %s: older than MaxConnectionAge: draining", c.desc, c.remote())
			c.m.Count(metrics.Rotated)
			c.startDrain(now)
			return
		default:
			return
		}
		// Not dead: OnClose first reads what the kernel holds (the loop may
		// run this before a read event it has already been woken for),
		// counting its frames lost and a cut one truncated.
		c.rc.Close()
	})
}

// trimPeriod is how often each loop trims its lane of the receive queue.
const trimPeriod = time.Second

// tick runs on its own goroutine: it advances the coarse clock, asks every
// loop to sweep idle connections and, every trimPeriod, to trim its lane of
// the receive queue, reports the queue's size, and opens (for PROXY-named
// hosts) and sweeps the per-peer series.
func (s *Subscriber) tick() {
	defer s.wg.Done()
	period := min(time.Second, max(s.opts.FrameTimeout/4, time.Millisecond))
	if ka := s.opts.KeepaliveTimeout; ka > 0 {
		period = min(period, max(ka/4, time.Millisecond))
	}
	if age := s.opts.MaxConnectionAge; age > 0 {
		period = min(period, max(age/10, time.Millisecond))
	}
	var trimmed time.Time
	s.clock.Run(s.quit, period, func(now time.Time) {
		trim := now.Sub(trimmed) >= trimPeriod
		if trim {
			trimmed = now
		}
		for _, l := range s.loops {
			l.loop.Post(l.sweep)
			if trim && l.trim != nil {
				l.loop.Post(l.trim)
			}
		}
		s.reportQueue()
		s.openProxyPeers()
		s.peers.Sweep()
	})
}

// reportQueue moves the buffered-bytes gauge to the queue's size. Timer
// goroutine only (and Close, after that goroutine has exited).
func (s *Subscriber) reportQueue() {
	if s.queue == nil {
		return
	}
	cur := s.queue.Len()
	s.listenMetrics.Buffered(cur - s.reportedQueue)
	s.reportedQueue = cur
}
