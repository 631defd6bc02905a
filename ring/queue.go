package ring

import (
	"context"
	"io"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Queue is the subscriber's receive queue: one [Lane] per event loop, each
// filled by its loop alone, and any number of Get callers taking frames from
// the lanes in turn.
//
// Bound: the records of all lanes never exceed NewQueue's limit; a record
// is the payload plus at most RecordOverhead bytes (an 8-byte header and
// padding to a multiple of 8). A Put that does not fit drops the oldest
// records, a chunk at a time: those of the lane holding the most, or its
// own lane's when Gets hold that one. It drops the new frame only when it
// is larger than the limit, the queue is closed, or Gets hold every lane it
// could drop from (see Lane.Put). Budget freed by Gets and batches is given
// back a chunk (up to 64 KiB) at a time, so a queue near its limit may drop
// up to that much per lane early. Lane buffers grow and shrink (Trim) with
// what is queued (docs/ring.md, Queue).
//
// Every frame Put is counted exactly once: returned by Get (io.ErrShortBuffer
// included) or in the Dropped of exactly one Put, Publish or Close.
type Queue struct {
	_ noCopy

	// Set by NewQueue; read-only afterwards.
	lanes  []*Lane
	limit  int64  // bound on the record bytes of all lanes
	maxCap uint64 // the largest lane buffer
	chunk  int64  // budget a lane reserves at a time
	ready  chan struct{}
	done   chan struct{} // closed by End (and so by Close)

	endErr  error // what Get returns after End once the lanes are empty; set in endOnce, before done closes
	endOnce sync.Once

	_ cacheLinePad
	// Read by every Publish, written rarely.
	waiting atomic.Int32 // Gets about to block or blocked: Publish signals ready only then
	closed  atomic.Bool  // set by Close: Put drops, Get returns endErr
	_       cacheLinePad
	next    atomic.Uint32 // the lane whose turn it is (see tryGet)
	_       cacheLinePad
	// used is the record bytes in the lanes (claimed ones until their Get is
	// done) plus budget lanes reserved and not yet spent (docs/ring.md); it
	// never exceeds limit.
	used atomic.Int64
	_    cacheLinePad
}

// RecordOverhead is the most bytes a queued frame takes beyond its payload.
const RecordOverhead = recordHeader + 7

const (
	recordHeader = 8        // payload length and stream, little-endian uint32 each
	laneMinCap   = 64 << 10 // a lane's first buffer
	laneTurn     = 64       // frames a lane gives Get in a row while others wait
	lanePooled   = 1 << 20  // larger buffers a lane outgrows go to the GC, not to a pool
	maxQueue     = 1 << 40
)

// recordSize is the bytes a frame of n payload bytes takes in a lane.
func recordSize(n int) uint64 { return recordHeader + (uint64(n)+7)&^7 }

// NewQueue returns a queue of the given number of lanes whose records never
// exceed limit bytes in all. It panics unless lanes > 0 and 0 < limit <= 1 TiB.
func NewQueue(limit, lanes int) *Queue {
	if lanes <= 0 || limit <= 0 || int64(limit) > maxQueue {
		panic("ring: NewQueue: lanes or limit out of range")
	}
	q := &Queue{
		limit:  int64(limit),
		maxCap: max(laneMinCap, uint64(1)<<bits.Len64(uint64(limit-1))),
		chunk:  min(max(int64(limit)/int64(8*lanes), 1<<12), 1<<16),
		ready:  make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	q.lanes = make([]*Lane, lanes)
	for i := range q.lanes {
		q.lanes[i] = &Lane{q: q, idx: i}
	}
	return q
}

// Lane returns lane i, 0 <= i < the number of lanes.
func (q *Queue) Lane(i int) *Lane { return q.lanes[i] }

// Get copies the oldest frame of the next lane in turn into buf[:cap(buf)]
// and returns its length and stream. When cap(buf) is too small the frame is
// discarded and Get returns its length and stream with io.ErrShortBuffer (the
// caller counts it lost). Get waits for a frame until ctx is done
// (ctx.Err()); a frame already queued is returned even then. After End, Get
// returns what is queued and then End's error; after Close, Close's (or an
// earlier End's) error at once. Safe for concurrent use; zero allocations.
func (q *Queue) Get(ctx context.Context, buf []byte) (n int, stream uint32, err error) {
	for {
		if q.closed.Load() {
			return 0, 0, q.endErr
		}
		n, stream, r := q.tryGet(buf)
		if r == laneEmpty {
			select {
			case <-q.done:
				// No lane puts any more; a frame published just before
				// End is visible to this second look.
				if n, stream, r = q.tryGet(buf); r == laneEmpty {
					return 0, 0, q.endErr
				}
			default:
				// Announce the wait, then look again: this look sees an earlier
				// Publish, a later one sees waiting and signals (seq-cst atomics).
				q.waiting.Add(1)
				if n, stream, r = q.tryGet(buf); r == laneEmpty {
					select {
					case <-q.ready:
					case <-q.done:
					case <-ctx.Done():
						q.waiting.Add(-1)
						return 0, 0, ctx.Err()
					}
				}
				q.waiting.Add(-1)
			}
		}
		switch r {
		case laneTaken:
			// The token this Get may have consumed stood for every frame
			// published so far: hand it on if another Get waits.
			if q.waiting.Load() > 0 && q.pending() {
				q.signal()
			}
			if n > cap(buf) {
				return n, stream, io.ErrShortBuffer
			}
			return n, stream, nil
		case laneBusy:
			runtime.Gosched() // another Get copies out of that lane right now
		}
	}
}

// tryGet takes a frame from the first lane, starting at the one whose turn
// it is, that has one and is not busy. A lane keeps the turn while it has
// frames, up to laneTurn of them (see Lane.take).
func (q *Queue) tryGet(buf []byte) (n int, stream uint32, r laneResult) {
	if len(q.lanes) == 1 {
		return q.lanes[0].take(buf)
	}
	start := int(q.next.Load())
	none := laneEmpty // or laneBusy once a lane was busy
	for i := range q.lanes {
		j := start + i
		if j >= len(q.lanes) {
			j -= len(q.lanes)
		}
		n, stream, r = q.lanes[j].take(buf)
		switch r {
		case laneTaken:
			if j != start {
				q.next.Store(uint32(j))
			}
			return n, stream, r
		case laneBusy:
			none = laneBusy
		}
	}
	return 0, 0, none
}

// pending reports whether some lane holds a published frame now.
func (q *Queue) pending() bool {
	for _, l := range q.lanes {
		if l.head.Load() != l.tail.Load() {
			return true
		}
	}
	return false
}

// signal wakes one waiting Get, or leaves a token for the next one.
func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default: // a token is already there: a Get will wake and look
	}
}

// Len returns the record bytes queued, plus budget the lanes have reserved
// for a batch in progress: a snapshot, any goroutine.
func (q *Queue) Len() int { return int(q.used.Load()) }

// End says that no lane will Put any more: Get returns the frames still
// queued, then err (which should match ErrClosed with errors.Is). Only the
// first End (or Close) sets the error. Any goroutine.
func (q *Queue) End(err error) {
	q.endOnce.Do(func() {
		q.endErr = err
		close(q.done)
	})
}

// Close discards what is queued and reports it; every later Get returns at
// once with the error of the first End, or ErrClosed, and later Puts are
// dropped (Incoming). A second Close returns a zero Dropped. Any goroutine; it
// waits for Gets copying out of a lane to finish that frame.
func (q *Queue) Close() (d Dropped) {
	q.End(ErrClosed)
	if !q.closed.CompareAndSwap(false, true) {
		return d
	}
	for _, l := range q.lanes {
		l.discard(&d)
	}
	return d
}

// reserve raises l's credit to at least rec bytes of budget, dropping the
// oldest records while the queue is full; it fails when none can be dropped.
func (q *Queue) reserve(l *Lane, rec int64, d *Dropped) bool {
	need := rec - l.credit
	collected := false
	for {
		u := q.used.Load()
		if free := q.limit - u; free >= need {
			take := min(max(need, q.chunk), free)
			if q.used.CompareAndSwap(u, u+take) {
				l.credit += take
				return true
			}
			continue
		}
		if !collected {
			// Budget Gets have freed but not yet given back.
			for _, o := range q.lanes {
				o.collect()
			}
			collected = true
			continue
		}
		if !q.dropOldest(l, d, uint64(max(need, q.chunk))) {
			return false
		}
	}
}

// dropOldest drops the oldest records, want bytes of them if there are, of
// the lane holding the most published records, or of self when that lane is
// busy with a Get, and counts them in d. It fails when there is none to drop.
func (q *Queue) dropOldest(self *Lane, d *Dropped, want uint64) bool {
	var victim *Lane
	var most uint64
	for _, l := range q.lanes {
		h := l.head.Load() // before tail: head never passes a tail loaded later
		if n := l.tail.Load() - h; n > most {
			most, victim = n, l
		}
	}
	if victim != nil && victim != self && victim.dropHead(d, want) {
		return true
	}
	return self.dropOwn(d, want)
}
