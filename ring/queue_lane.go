package ring

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/nanoq/nq/internal/bufpool"
)

// laneLocked is the consumers' lock bit in Lane.free.
const laneLocked uint64 = 1 << 63

// Lane is one producer's part of a Queue: a byte ring of records (header,
// payload, padding) at 8-aligned free-running positions. Producer: Put, Publish
// and Trim are called by one goroutine at a time (the lane's event loop) and
// never wait for a Get. Consumers: the Queue's Get callers, one at a time per
// lane under the lock bit in free, taken by CAS and never waited for; other
// lanes' producers take it too to drop records, and Close to discard them.
type Lane struct {
	_   noCopy
	q   *Queue
	idx int // in q.lanes

	// Consumer side. head is the oldest unclaimed position, never past tail:
	// the lock holder claims records there by CAS, a batch at a time; the
	// producer CASes it past its own published records (drop oldest) without
	// the lock, since it alone writes the buffer.
	head atomic.Uint64
	// free is laneLocked (held by a consumer) plus a position below which
	// nobody reads the buffer: the producer may write up to free+len(buf).
	// The lock holder stores it on unlocking. free <= head.
	free atomic.Uint64
	// Lock holder only: the claimed records not yet taken, [next, claimed),
	// and the record bytes taken whose budget is not yet given back to
	// Queue.used. next <= claimed <= head.
	next, claimed uint64
	freed         int64
	streak        int // takes since this lane last passed the turn on
	_             cacheLinePad

	// Written by the producer once per batch: the published end, and the
	// buffer (len a power of two, index = pos & (len-1)). A Get loads tail,
	// then buf: a replacement holds the same bytes at the same positions
	// from free up (resize), and an old one is left intact.
	tail atomic.Uint64
	buf  atomic.Pointer[[]byte]
	_    cacheLinePad

	// Producer only.
	mem    *[]byte // the buffer buf points to; nil while the lane holds none
	end    uint64  // the end of the records put, published or not
	pub    uint64  // the value of tail
	room   uint64  // the producer may write below this: free + len at the last look
	credit int64   // budget reserved from Queue.used and not yet spent
	// Lanes are allocated in a row: keep off the next one's consumer line.
	_ cacheLinePad
}

// Put copies payload into the lane as one record tagged with stream, which
// Get sees after Publish. When the queue is full it drops the oldest
// records (see Queue) and reports them, the new frame included when
// Incoming is set; Bytes counts payload bytes. The new frame is dropped
// instead only when Gets hold every lane with records to drop, this one
// included, or a Get holding this lane pins the buffer space it needs.
// Producer only; zero allocations in steady state.
func (l *Lane) Put(stream uint32, payload []byte) (d Dropped) {
	q := l.q
	n := len(payload)
	rec := recordSize(n)
	if int64(rec) > q.limit || uint64(n) > math.MaxUint32 || q.closed.Load() {
		return Dropped{Frames: 1, Bytes: n, Incoming: true}
	}
	if (l.credit < int64(rec) && !q.reserve(l, int64(rec), &d)) ||
		(l.end+rec > l.room && !l.makeRoom(rec)) {
		d.Frames, d.Bytes, d.Incoming = d.Frames+1, d.Bytes+n, true
		return d
	}
	l.credit -= int64(rec)
	mem := *l.mem
	mask := uint64(len(mem) - 1)
	i := l.end & mask
	binary.LittleEndian.PutUint64(mem[i:], uint64(n)|uint64(stream)<<32)
	bytesCopyIn(mem, (i+recordHeader)&mask, payload)
	l.end += rec
	return d
}

// Publish makes the records put so far visible to Get, wakes a waiting Get
// and gives back the budget the batch did not spend. After Close it
// discards the lane's records and reports them. Producer only.
func (l *Lane) Publish() (d Dropped) {
	q := l.q
	if l.credit != 0 {
		q.used.Add(-l.credit)
		l.credit = 0
	}
	l.publishTail()
	if q.closed.Load() {
		l.discard(&d)
	}
	return d
}

// publishTail publishes end as tail and wakes a waiting Get. Producer only.
func (l *Lane) publishTail() {
	if l.end == l.pub {
		return
	}
	l.pub = l.end
	l.tail.Store(l.end)
	if l.q.waiting.Load() > 0 {
		l.q.signal()
	}
}

// makeRoom makes the buffer hold rec more bytes at end: it looks at free
// again, then reclaims what drops left behind, then grows the buffer. It
// grows it too when more than three quarters would be in use, so that
// looking at free (a line Gets write) stays rare. It fails when the buffer
// would exceed the queue's largest: the budget is within the limit, so only
// records a Get holds, with those dropped behind them, can pin that space.
func (l *Lane) makeRoom(rec uint64) bool {
	size := uint64(0)
	if l.mem != nil {
		size = uint64(len(*l.mem))
	}
	lo := l.free.Load() &^ laneLocked
	if need := l.end + rec - lo; 4*need > 3*size {
		if f, ok := l.lock(); ok {
			lo = l.unlock(f)
		}
	}
	need := l.end + rec - lo
	if 4*need <= 3*size || (need <= size && size == l.q.maxCap) {
		l.room = lo + size
		return true
	}
	if need > l.q.maxCap {
		return false
	}
	size = max(size, laneMinCap)
	for 4*need > 3*size {
		size <<= 1
	}
	old := l.resize(lo, min(size, l.q.maxCap))
	// A Get that loaded old has held the lock since before resize stored the
	// new buffer (later ones load the new one): pool old unless a Get holds
	// the lane now; the GC takes it then.
	if old != nil && len(*old) <= lanePooled && l.free.Load()&laneLocked == 0 {
		bufpool.Put(old)
	}
	return true
}

// resize moves the bytes of positions [lo, end) into a new buffer of size
// bytes (0: none) and returns the old one. Producer only.
func (l *Lane) resize(lo, size uint64) (old *[]byte) {
	old = l.mem
	var nb *[]byte
	if size > 0 {
		nb = bufpool.Get(int(size))
		if old != nil {
			bytesCopyRange(*nb, *old, lo, l.end)
		}
	}
	l.mem = nb
	l.buf.Store(nb)
	l.room = lo + size
	return old
}

// Trim gives memory back: an empty lane returns its buffer, one using a
// quarter of it or less moves to a smaller one. It does nothing while a Get
// holds the lane. Producer only; call it now and then (the subscriber does
// once a second).
func (l *Lane) Trim() {
	if l.mem == nil || l.end != l.pub {
		return
	}
	f, ok := l.lock()
	if !ok {
		return
	}
	lo := l.unlockPos()
	size, span := uint64(len(*l.mem)), l.end-lo
	switch {
	case span == 0:
		size = 0
	case 4*span <= size && size > laneMinCap:
		size = max(laneMinCap, uint64(1)<<bits.Len64(2*span-1))
	}
	var old *[]byte
	if size != uint64(len(*l.mem)) {
		old = l.resize(lo, size) // holding the lock: nobody reads old
	}
	l.unlock(f)
	if old != nil && len(*old) <= lanePooled {
		bufpool.Put(old) // after the unlock: a Get loads the new buffer
	}
}
