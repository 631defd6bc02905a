package pub

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
)

// maxBatch bounds one writev (a larger frame goes alone); pressureBatch, one
// on a congested connection while the memory budget is over half used. Fed
// only when it holds nothing for the connection, the reactor holds at most
// one batch's remainder, which it cannot drop (docs/pub.md).
const (
	maxBatch      = 256 << 10
	pressureBatch = 16 << 10
)

// Retry delays while a connection's output is blocked and not progressing
// (gnet has no "drained" event, so the loop has to look).
const (
	minRetry = 100 * time.Microsecond
	maxRetry = 10 * time.Millisecond
)

// loopState is a Publisher's state on one event loop. Fields other than the
// read-only p, loop and tasks are event-loop only, except timer, whose
// callback only posts a task, and the atomics at the end. Every Publish
// reads loop (to post); the fields the loop writes per batch (iov, wroteAt,
// the relay counts) come last, so that they do not share its cache line.
type loopState struct {
	p        *Publisher
	loop     *reactor.Loop
	flushAll *reactor.Task // FlushFrequency > 0: flush every stream of the loop
	retry    *reactor.Task // look at blocked streams again
	timer    *time.Timer   // posts retry

	conns      reactor.Set[*link] // open connections on this loop
	blocked    []*link
	delay      time.Duration // current retry delay without progress
	armed      bool          // timer set
	rechecking bool          // retry posted for the next round

	unblocked, expired []*link   // scratch for retryBlocked
	iov                [2][]byte // scratch for flushNow's writev (flushes on a loop never nest)

	wroteAt   atomic.Int64 // written by the loop: when flushNow last wrote, ns since Publisher.epoch
	directDue atomic.Int64 // any goroutine: direct writes' rate limit (directAllowed)
	// relaying: the loop's recent writevs carried a few small frames each,
	// so it batches nothing that a direct write would not send alike (see
	// writeDirect). Written by the loop on change, read by publishers.
	relaying atomic.Bool
	// Loop only: the writevs, frames and bytes of the current relayWindow.
	relayWrites, relayFrames, relayBytes int
}

// The loop decides whether it is relaying once per relayWindow writevs: it
// is when they carried at most 1.5 frames (relayFrames10 tenths) and
// relayBytes bytes on average. Batching proper carries tens to hundreds of
// small frames, or large ones; a loop that falls behind single frames
// starts to carry two or three, and is then better left to batch: direct
// writes would only add system calls on the publishing goroutines to a
// machine short of CPU (1,000 streams at 200,000 msgs/s: p99 47 against 30
// ms with a bound of 4 frames).
const (
	relayWindow   = 32
	relayFrames10 = 15
	relayBytes    = 16 << 10
)

// countWrite records a writev of frames and n bytes for relaying. Loop only.
func (ls *loopState) countWrite(frames, n int) {
	ls.relayWrites++
	ls.relayFrames += frames
	ls.relayBytes += n
	if ls.relayWrites < relayWindow {
		return
	}
	r := 10*ls.relayFrames <= relayFrames10*relayWindow && ls.relayBytes <= relayBytes*relayWindow
	if r != ls.relaying.Load() {
		ls.relaying.Store(r)
	}
	ls.relayWrites, ls.relayFrames, ls.relayBytes = 0, 0, 0
}

func newLoopState(p *Publisher, l *reactor.Loop) *loopState {
	ls := &loopState{p: p, loop: l, delay: minRetry}
	ls.flushAll = reactor.NewTask(ls.flushEvery)
	ls.retry = reactor.NewTask(ls.retryBlocked)
	ls.timer = time.AfterFunc(time.Hour, func() { l.Post(ls.retry) })
	ls.timer.Stop()
	return ls
}

// SetIndex is where the link keeps its index in its loop's reactor.Set.
func (l *link) SetIndex() *int { return &l.slot }

func (ls *loopState) remove(l *link) {
	ls.conns.Remove(l)
	if l.blocked {
		l.blocked = false
		ls.blocked = slices.DeleteFunc(ls.blocked, func(b *link) bool { return b == l })
	}
}

func (ls *loopState) flushEvery() {
	// A write error closes a connection inside flushNow: Each allows that.
	ls.conns.Each(func(l *link) {
		if !l.blocked && l.s.ring.Len() > 0 {
			l.flushNow()
		}
	})
}

// flushNow writes buffered frames while the reactor takes them. Loop only.
func (l *link) flushNow() {
	c, s := l.conn, l.s
	if c == nil || l.blocked {
		return
	}
	for range 4 { // a few batches, then let other connections of the loop run
		var first, second []byte
		done := 0 // bytes of the batch on the wire already (a partial direct write)
		if l.direct != nil && l.direct.Held() {
			first, second, done = l.takeHeld()
		} else {
			if ob := c.OutboundBuffered(); ob > 0 {
				l.block(ob)
				return
			}
			var busy bool
			batch := maxBatch
			if l.congested {
				// The socket takes little: hand the reactor less of what
				// cannot be dropped there, so fresh frames keep the ring.
				batch = s.p.batch
				if s.p.budget.OverHalf() {
					batch = min(batch, pressureBatch)
				}
			}
			first, second, busy = s.ring.TryPeekBytes(batch)
			if busy {
				return // a direct write; it posts this task again if frames remain
			}
			if len(first) == 0 {
				l.setOB(0)
				return
			}
		}
		bufs := appendFrom(l.ls.iov[:0], first, second, done)
		n := len(first) + len(second)
		_, err := c.Writev(bufs)
		l.ls.iov = [2][]byte{} // keep no reference into the ring: it may be freed while idle
		if l.direct != nil {
			l.ls.wroteAt.Store(s.p.since()) // see directIdle
		}
		frames := s.ring.Frames() // after the write: the headers are in this core's cache now
		l.ls.countWrite(frames, n)
		if b := frames > 1; b != l.batching.Load() {
			l.batching.Store(b)
		}
		if err != nil {
			if done > 0 { // what the direct write sent counts as sent
				l.settlePartial(first, second, done)
			} else {
				s.p.lost(metrics.Disconnected, frames, n)
			}
			s.ring.Release()
			return
		}
		// Frames the socket took count as sent now; those with bytes left
		// in the reactor count once they drain (retryBlocked), or as lost
		// if the connection closes first (OnClose).
		ob := c.OutboundBuffered()
		if ob > 0 {
			if l.unsent == nil { // once per link: an idle one never needs it
				l.unsent = new(unsent)
			}
			l.unsent.track(first, second, ob)
			l.setOB(ob) // lowers the ring's limit before Release frees room in it
		}
		if cg := ob > 0; cg != l.congested { // on change only: publishers read this cache line
			l.congested = cg
		}
		s.ring.Release()
		uf, ub := l.unsent.held()
		s.p.m.Transferred(frames-uf, n-ub)
		if ob > 0 {
			l.block(ob)
			return
		}
		if s.ring.Len() == 0 {
			l.setOB(0)
			return
		}
	}
	l.ls.loop.Post(&l.flush)
}

// block records that the reactor holds output for the connection and
// makes sure the loop looks again: next round first, since a socket that
// was writable a moment ago usually drains soon.
func (l *link) block(ob int) {
	l.setOB(ob)
	if l.blocked {
		return
	}
	l.blocked = true
	l.blockedSince = l.s.p.since()
	l.lastOB = ob
	l.ls.blocked = append(l.ls.blocked, l)
	l.ls.recheck()
}

// setOB records the reactor's outbound bytes for the connection, for
// Buffered and Shutdown (reactorHeld) and in the memory budget.
func (l *link) setOB(ob int) {
	l.s.setReactorHeld(int64(ob))
	if d := ob - l.obCharged; d != 0 {
		l.s.p.budget.Charge(int64(d))
		l.obCharged = ob
	}
}

// recheck looks at blocked connections again in the loop's next round,
// after gnet has polled and written what the sockets take.
func (ls *loopState) recheck() {
	if !ls.rechecking {
		ls.rechecking = true
		ls.loop.Post(ls.retry)
	}
}

// wait looks at blocked connections again after a delay that doubles, up
// to maxRetry, while their output makes no progress.
func (ls *loopState) wait() {
	if !ls.armed && !ls.rechecking {
		ls.armed = true
		ls.timer.Reset(ls.delay)
		ls.delay = min(2*ls.delay, maxRetry)
	}
}

// retryBlocked flushes streams whose output drained, and closes those whose
// output made no progress for WriteTimeout (they redial).
func (ls *loopState) retryBlocked() {
	ls.armed, ls.rechecking = false, false
	if len(ls.blocked) == 0 {
		ls.delay = minRetry
		return
	}
	now := ls.p.since()
	wt := int64(ls.p.opts.WriteTimeout)
	progress := false
	still := ls.blocked[:0]
	unblocked, expired := ls.unblocked[:0], ls.expired[:0]
	for _, s := range ls.blocked {
		ob := s.conn.OutboundBuffered()
		s.setOB(ob)
		if s.unsent != nil && ob < s.unsent.ob {
			if f, b := s.unsent.progress(ob); f > 0 {
				s.s.p.m.Transferred(f, b) // gnet wrote their last bytes
			}
		}
		switch {
		case ob == 0:
			s.blocked = false
			unblocked = append(unblocked, s)
			progress = true
			continue
		case ob < s.lastOB:
			s.lastOB = ob
			s.blockedSince = now
			progress = true
		case wt > 0 && now-s.blockedSince > wt:
			expired = append(expired, s)
		}
		still = append(still, s)
	}
	clear(ls.blocked[len(still):])
	ls.blocked = still
	if progress {
		ls.delay = minRetry
	}
	for _, s := range expired {
		ls.p.log.Warnf("stream %v to %s: no write progress for %v: reconnecting", s.s.key, ls.p.addr, wt)
		// Reset, so that what the kernel still holds does not arrive after
		// the new connection's frames (order holds per connection); OnClose
		// reports those bytes (counted sent) as an upper bound of the loss.
		s.conn.Abort()
	}
	for _, s := range unblocked {
		s.flushNow()
	}
	clear(unblocked)
	clear(expired)
	ls.unblocked, ls.expired = unblocked[:0], expired[:0]
	switch {
	case len(ls.blocked) == 0:
	case progress:
		ls.recheck() // output is moving: keep up with it round by round
	default:
		ls.wait()
	}
}
