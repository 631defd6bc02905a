package ring

import (
	"context"
	"io"
	"sync/atomic"
)

// Slot-count rule: one slot per queueBytesPerSlot bytes of maxBytes, rounded
// up to a power of two and kept within [queueMinSlots, queueMaxSlots].
const (
	queueBytesPerSlot = 256
	queueMinSlots     = 16
	queueMaxSlots     = 1 << 14
	// queueMaxSpins bounds how often in a row Put retries, while no other
	// goroutine makes progress, when the room it needs is held by another
	// goroutine for a few instructions (see Queue and queueStall).
	queueMaxSpins = 64
)

// Queue is the subscriber's bounded receive queue: event loops Put frames,
// Receive callers Get them. Every method is safe for concurrent use by any
// number of goroutines.
//
// Put never blocks and takes no lock: producers and Get callers share only
// atomics and an array of slots, a bounded MPMC array queue after Dmitry
// Vyukov (see queue_slots.go). An event loop therefore never waits for user
// code. Put copies the payload into a pooled buffer, so the caller may reuse
// its slice at once; steady-state Put and Get allocate nothing.
//
// Bounds: the payload bytes queued never exceed maxBytes, and the frames
// queued never exceed the slot count: maxBytes/256 rounded up to a power of
// two, within [16, 16384] (so many tiny frames cannot pile up without limit).
// Buffers are sized to powers of two, so the memory held can reach about
// twice maxBytes.
//
// Drop oldest: when a frame does not fit, Put takes the oldest frames out,
// as a consumer would, until it does, and reports them in its Dropped. nanoQ
// carries real-time streams, where a newer message supersedes older ones: a
// reader that falls behind gets the freshest data plus an exact count of what
// it missed, never a queue full of stale data that blocks the new. The new
// frame itself is dropped instead (Dropped.Self) only when it is larger than
// maxBytes, when the queue is closed, or when the room it needs is held by a
// stalled goroutine: a Put that has reserved bytes or claimed a slot but not
// yet published its frame, or a Get or Put that has claimed the oldest frame
// but not yet freed its slot. Those windows are a few instructions long, so
// this takes a goroutine descheduled inside one. Put keeps retrying while
// other goroutines make progress, and gives up rather than wait after
// queueMaxSpins tries without any. On an oversubscribed machine (more busy
// producers than cores) such a stall can last a scheduler time slice, during
// which a full queue drops new frames instead of old ones; the accounting
// stays exact. Likewise a Get waits at a slot claimed but not yet filled,
// even when later frames are ready, until that Put runs again and signals.
//
// Close discards the frames still queued and reports them in its Dropped, so
// the subscriber counts them lost; every waiting and later Get returns
// ErrClosed, and later Puts are dropped (Self). Every frame Put is thus
// accounted exactly once: returned by Get (io.ErrShortBuffer included), or
// reported by exactly one Put or Close.
type Queue struct {
	// Set by NewQueue; read-only afterwards.
	maxBytes int64
	mask     uint64 // len(slots) - 1
	slots    []queueSlot
	ready    chan struct{} // capacity 1: "a frame may be waiting"; sent without blocking, received by waiting Gets
	done     chan struct{} // closed by the first Close
	// waitHook, set only by tests before use, runs in Get's slow path at
	// stage 0 (before announcing the wait) and 1 (just before blocking).
	waitHook func(stage int)

	// Atomic; the two hot cursors sit on cache lines of their own.
	_   cacheLinePad
	enq atomic.Uint64 // next position to fill; producers claim it by CAS
	_   [cacheLine - 8]byte
	deq atomic.Uint64 // next position to empty; Gets, dropping Puts and Close claim it by CAS
	_   [cacheLine - 8]byte
	// bytes is the payload queued plus the bytes reserved by Puts in
	// progress; it never exceeds maxBytes.
	bytes atomic.Int64
	// waiting counts Gets that are about to block or blocked; Put signals
	// ready only when it is non-zero.
	waiting atomic.Int32
	closed  atomic.Bool
}

// NewQueue returns a queue holding at most maxBytes of payload. It panics if
// maxBytes is not positive.
func NewQueue(maxBytes int) *Queue {
	if maxBytes <= 0 {
		panic("ring: NewQueue: maxBytes must be positive")
	}
	n := queueSlotsFor(maxBytes)
	q := &Queue{
		maxBytes: int64(maxBytes),
		mask:     uint64(n - 1),
		slots:    make([]queueSlot, n),
		ready:    make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	for i := range q.slots {
		q.slots[i].seq.Store(uint64(i))
	}
	return q
}

// queueSlotsFor applies the slot-count rule to maxBytes.
func queueSlotsFor(maxBytes int) int {
	want := maxBytes / queueBytesPerSlot
	n := queueMinSlots
	for n < want && n < queueMaxSlots {
		n <<= 1
	}
	return n
}

// signal wakes one waiting Get, or leaves a token for the next one.
func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default: // a token is already there: a Get will wake and look
	}
}

// Get copies the oldest frame into buf[:cap(buf)] and returns its length and
// stream. When cap(buf) is too small the frame is discarded and Get returns
// its length and stream with io.ErrShortBuffer (the caller counts it lost).
// It waits for a frame until ctx is done (ctx.Err()) or the queue is closed
// (ErrClosed), with no missed wake-ups. A frame already queued is returned
// even when ctx is done. Zero allocations.
func (q *Queue) Get(ctx context.Context, buf []byte) (n int, stream uint32, err error) {
	for {
		if q.closed.Load() {
			return 0, 0, ErrClosed
		}
		if _, fb, st, ok := q.tryDequeue(); ok {
			return q.deliver(fb, st, buf)
		}
		// Announce the wait, then look again: a Put that published before
		// seeing waiting > 0 is caught by this second look; any later Put
		// sees it and signals (all four steps are sequentially consistent).
		if q.waitHook != nil {
			q.waitHook(0)
		}
		q.waiting.Add(1)
		if _, fb, st, ok := q.tryDequeue(); ok {
			q.waiting.Add(-1)
			return q.deliver(fb, st, buf)
		}
		if q.waitHook != nil {
			q.waitHook(1)
		}
		select {
		case <-q.ready:
		case <-q.done:
		case <-ctx.Done():
			q.waiting.Add(-1)
			return 0, 0, ctx.Err()
		}
		q.waiting.Add(-1)
	}
}

// deliver passes the wake-up on when more frames are ready, then copies the
// frame taken out to the caller and recycles its buffer.
func (q *Queue) deliver(fb *[]byte, stream uint32, buf []byte) (int, uint32, error) {
	// The token this Get may have consumed stood for every frame published
	// so far; hand it on if another Get waits and a frame is left.
	if q.waiting.Load() > 0 && q.pending() {
		q.signal()
	}
	n := len(*fb)
	if n > cap(buf) {
		queuePutBuf(fb)
		return n, stream, io.ErrShortBuffer
	}
	copy(buf[:n], *fb)
	queuePutBuf(fb)
	return n, stream, nil
}

// Len returns the payload bytes queued now, including those of Puts in
// progress (a snapshot; any goroutine).
func (q *Queue) Len() int { return int(q.bytes.Load()) }

// Close wakes every waiting Get (they return ErrClosed), discards what is
// queued and reports it (payload bytes). Later Puts are dropped and reported (Self); later
// Gets return ErrClosed. A second Close returns a zero Dropped.
func (q *Queue) Close() Dropped {
	if !q.closed.CompareAndSwap(false, true) {
		return Dropped{}
	}
	close(q.done)
	// A Put still publishing is not lost: it sees closed after publishing
	// and drains the queue itself.
	var d Dropped
	q.drain(&d, ^uint64(0))
	return d
}
