package pub

import (
	"time"

	"github.com/nanoq/nq/metrics"
)

// A stream writes directly only when its last writev carried one frame,
// its loop is idle and wrote nothing for directIdle, at most once per
// directGap per loop in bursts of directBurst (docs/pub.md says why). While
// the loop relays (loopState.relaying), a stream whose last direct write was
// directStreamGap ago or more may also write directly when those first two
// conditions fail.
const (
	directIdle      = 50 * time.Microsecond
	directGap       = 20 * time.Microsecond
	directBurst     = 32
	directStreamGap = 100 * time.Microsecond
)

// directAllowed takes a direct write's turn at now (ns since the
// Publisher's epoch), or reports false. The rate limit is a virtual
// scheduling (GCRA) token bucket in one word: directDue is when the bucket
// will be full again. Any goroutine.
func (ls *loopState) directAllowed(now int64) bool {
	tat := ls.directDue.Load()
	next := max(tat, now) + int64(directGap)
	return next-now <= directBurst*int64(directGap) && ls.directDue.CompareAndSwap(tat, next)
}

// writeDirect writes the stream's buffered frames from the publishing
// goroutine through the connection's DirectWriter when the stream is idle.
// It reports true when nothing is left for the loop; otherwise the caller
// posts the flush. The ring's in-flight bit keeps this and the loop's writev
// apart; docs/pub.md (Direct writes) tells the rest.
func (l *link) writeDirect() bool {
	if l.flush.Pending() {
		return false // the loop comes anyway
	}
	s, ls := l.s, l.ls
	// A busy loop, or one that batched this stream, would batch the frame,
	// unless it relays single frames and this stream writes seldom.
	busy, relaying := l.batching.Load() || !ls.loop.Idle(), ls.relaying.Load()
	if busy && !relaying {
		return false // before reading the clock: the common case under load
	}
	now := s.p.since()
	us := int32(now / int64(time.Microsecond)) // wraps: compared by difference
	if busy || now-ls.wroteAt.Load() < int64(directIdle) {
		if !relaying || us-l.directNext.Load() < 0 {
			return false
		}
	}
	if !ls.directAllowed(now) {
		return false
	}
	dw := l.direct
	if !dw.Begin() {
		return false
	}
	first, second, busy := s.ring.TryPeekBytes(s.p.batch)
	if busy || len(first) == 0 {
		dw.Finish(false)
		return !busy // empty: the loop wrote them meanwhile
	}
	l.directNext.Store(us + int32(directStreamGap/time.Microsecond))
	if !dw.Quiet() { // the loop buffered output, or the connection closed, before our Peek
		l.giveBack()
		dw.Finish(false)
		return false
	}
	total := len(first) + len(second)
	// An error (the peer reset) shows on the loop as well, which closes
	// and redials; the frames wait in the ring meanwhile.
	n, _ := dw.Writev(first, second)
	switch {
	case n == total:
		s.p.m.Count(metrics.DirectAll)
		frames := s.ring.Frames()
		s.ring.Release()
		dw.Finish(false)
		s.p.m.Transferred(frames, total)
		return s.ring.Len() == 0
	case n == 0:
		s.p.m.Count(metrics.DirectNone)
		l.giveBack()
		dw.Finish(false)
		return false
	}
	// The socket took part of the batch: the rest must follow before any
	// other byte, so the loop takes it over, still in flight.
	s.p.m.Count(metrics.DirectPart)
	l.heldDone = int32(n)
	if dw.Finish(true) {
		return false
	}
	// The connection closed meanwhile.
	l.heldDone = 0
	l.settlePartial(first, second, n)
	s.ring.Release()
	// Frames put meanwhile may have found the next connection's first
	// flush refused (busy): the caller posts it if any are left.
	return s.ring.Len() == 0
}

// settlePartial counts the frames of a batch whose first sent bytes are all
// that will ever be written: the frames wholly within them as sent, the
// others as lost. The caller is the ring's consumer and Releases after.
func (l *link) settlePartial(first, second []byte, sent int) {
	total := len(first) + len(second)
	frames := l.s.ring.Frames()
	lost, lostBytes := framesTouched(first, second, total-sent)
	l.s.p.m.Transferred(frames-lost, total-lostBytes)
	l.s.p.lost(metrics.Disconnected, lost, lostBytes)
}

// giveBack returns a direct write's frames to the ring for the loop. If the
// stream closed meanwhile they cannot stay, and count as lost.
func (l *link) giveBack() {
	if d := l.s.ring.Unpeek(); d.Frames > 0 {
		l.s.p.lost(metrics.Disconnected, d.Frames, d.Bytes)
	}
}

// takeHeld returns the batch a partial direct write handed over and how
// many of its bytes are on the wire already, making the loop its consumer.
// Loop only, after DirectWriter.Held reported true.
func (l *link) takeHeld() (first, second []byte, done int) {
	first, second = l.s.ring.Peeked()
	done, l.heldDone = int(l.heldDone), 0
	l.direct.Unhold()
	return first, second, done
}
