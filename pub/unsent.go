package pub

import (
	"cmp"
	"encoding/binary"
	"math"
	"time"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
)

// unsent tracks the frames of a connection's last batch that still have
// bytes in the reactor's outbound buffer, so that each counts as sent once
// gnet has written its last byte, or as lost if the connection closes first:
// exactly, however far gnet got in between. Event-loop only. The frames'
// bytes left the ring with the batch, so their sizes are kept here (as
// uvarints: about one byte per frame, at most a batch's worth).
type unsent struct {
	frames, bytes int    // frames not yet fully written, and their encoded size
	first, size   int    // the oldest of them: its unwritten bytes, its size
	sizes         []byte // the sizes of the others, uvarint-encoded, in order
	off           int    // the next size to read in sizes
	ob            int    // the reactor's outbound bytes at the last look
}

// pending reports whether any frames are tracked; u may be nil.
func (u *unsent) pending() bool { return u != nil && u.frames > 0 }

// held returns the frames tracked and their encoded bytes; u may be nil.
func (u *unsent) held() (frames, bytes int) {
	if u == nil {
		return 0, 0
	}
	return u.frames, u.bytes
}

// track records the frames of the batch first‖second touched by the last
// ob bytes, which the reactor kept after a writev. ob > 0, and nothing is
// tracked yet.
func (u *unsent) track(first, second []byte, ob int) {
	sentUpTo := len(first) + len(second) - ob
	for off := 0; ; {
		var k int
		if k, first, second = nextFrame(first, second); k == 0 {
			break
		}
		if off+k > sentUpTo {
			if u.frames == 0 {
				u.first, u.size = off+k-sentUpTo, k
			} else {
				u.sizes = binary.AppendUvarint(u.sizes, uint64(k))
			}
			u.frames++
			u.bytes += k
		}
		off += k
	}
	u.ob = ob
}

// progress records that the reactor holds ob bytes now, no more than at
// the last look, and returns the frames (and their size) that gnet
// finished writing since.
func (u *unsent) progress(ob int) (frames, bytes int) {
	d := u.ob - ob
	u.ob = ob
	for d > 0 && u.frames > 0 {
		if d < u.first {
			u.first -= d
			break
		}
		d -= u.first
		frames++
		bytes += u.size
		u.frames--
		u.bytes -= u.size
		if u.frames == 0 {
			break
		}
		k, n := binary.Uvarint(u.sizes[u.off:])
		u.off += n
		u.first, u.size = int(k), int(k)
	}
	if u.frames == 0 {
		u.reset()
	}
	return frames, bytes
}

// finishHeld hands the frames gnet still holds at a hand-over (the
// subscriber closed its side first, and reads on) to the reactor, which
// writes them on the old socket after the close (reactor.Conn.FinishHeld):
// they count as sent once written, or lost. Inside OnClose only; on success
// l.unsent is empty afterwards, else unchanged. The caller counted it in
// p.finishing already; finishHeld gives that back once the frames are settled.
func (l *link) finishHeld(c *reactor.Conn) {
	p := l.s.p
	held := c.OutboundBuffered()
	u := l.unsent
	p.wg.Add(1)
	s, key := l.s, l.s.key
	s.finishing.Add(int64(held)) // MaxBuffer still bounds it: OnClose's setOB(0) keeps it out of the ring (fitRing)
	ok := c.FinishHeld(p.quit, cmp.Or(p.opts.WriteTimeout, finishBound), func(written, unacked int) {
		defer p.wg.Done()
		defer p.finishing.Add(-1)
		s.finishing.Add(-int64(held))
		s.fitRing()
		total := u.frames
		f, b := u.progress(held - written)
		if f > 0 {
			p.m.Transferred(f, b)
		}
		p.log.Debugf("stream %v to %s: after the subscriber's FIN, %d of %d held frames written on the old connection", key, p.addr, f, total)
		if u.frames > 0 {
			// Only what was written after OnClose: OnClose reported the rest.
			p.m.Unacked(min(unacked, written))
			p.lost(metrics.Disconnected, u.frames, u.bytes)
		}
	})
	if !ok {
		s.finishing.Add(-int64(held))
		p.finishing.Add(-1)
		p.wg.Done()
		return
	}
	l.unsent = nil // u is the finisher's now
}

// finishBound is how long a hand-over's held frames may make no progress
// when WriteTimeout is 0.
const finishBound = 10 * time.Second

// reset forgets every frame (after they were all counted one way or the
// other), keeping the sizes buffer unless it grew large.
func (u *unsent) reset() {
	sizes := u.sizes[:0]
	if cap(sizes) > 4<<10 {
		sizes = nil
	}
	*u = unsent{sizes: sizes}
}

// framesTouched counts the frames of the batch first‖second with at least
// one of their bytes among the last unsent bytes, and their encoded size.
func framesTouched(first, second []byte, unsent int) (n, size int) {
	sentUpTo := len(first) + len(second) - unsent
	for off := 0; ; {
		var k int
		if k, first, second = nextFrame(first, second); k == 0 {
			return n, size
		}
		if off += k; off > sentUpTo {
			n++
			size += k
		}
	}
}

// nextFrame returns the encoded length of the first frame of first‖second
// (0 when there is none) and the bytes after it.
func nextFrame(first, second []byte) (k int, restFirst, restSecond []byte) {
	_, k, _, err := codec.Parse2(first, second, math.MaxInt)
	if err != nil || k == 0 {
		return 0, nil, nil // cannot happen on a batch: the ring holds whole frames only
	}
	if k <= len(first) {
		return k, first[k:], second
	}
	return k, nil, second[k-len(first):]
}

// appendFrom appends first‖second without its first skip bytes to bufs,
// leaving out empty slices.
func appendFrom(bufs [][]byte, first, second []byte, skip int) [][]byte {
	k := min(skip, len(first))
	if first = first[k:]; len(first) > 0 {
		bufs = append(bufs, first)
	}
	if second = second[skip-k:]; len(second) > 0 {
		bufs = append(bufs, second)
	}
	return bufs
}
