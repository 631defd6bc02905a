package ring

import (
	"runtime"

	"github.com/nanoq/nq/internal/bufpool"
)

// Memory management and Discard: the producer-side operations that replace
// the buffer or move the head without adding a frame.

// alloc gives an empty, freed ring its first buffer, large enough for a
// frame of n <= limit bytes, or returns nil when the budget refuses it (the
// smallest buffer it always grants). Caller holds the lock.
func (b *Bytes) alloc(n uint64) *[]byte {
	c := min(uint64(bytesMinCap), b.maxCap)
	for c < n {
		c <<= 1
	}
	if !b.reserve(c, c <= bytesMinCap) {
		return nil
	}
	bp := bufpool.Get(int(c))
	b.buf.Store(bp)
	b.recharge(c)
	return bp
}

// grow replaces the buffer by one of at least need <= limit bytes, copying
// the occupied positions [lo, t), or returns nil when the budget refuses.
// It works while a Peek is in flight too: the consumer reads whichever
// buffer it loaded, and both hold its bytes. Caller holds the lock.
func (b *Bytes) grow(old *[]byte, lo, t, need uint64) *[]byte {
	c := uint64(len(*old))
	for c < need {
		c <<= 1
	}
	if !b.reserve(c, false) {
		return nil
	}
	bp := bufpool.Get(int(c))
	bytesCopyRange(*bp, *old, lo, t)
	b.buf.Store(bp)
	b.retire(old)
	b.recharge(c)
	return bp
}

// retire disposes of old, a buffer just replaced. A Peek loads buf after
// setting bytesInFlight: if that bit is clear now, after the Store of the
// new buffer, no Peek can still be reading old. Caller holds the lock.
func (b *Bytes) retire(old *[]byte) {
	switch {
	case b.head.Load()&bytesInFlight == 0:
		bufpool.Put(old)
	case b.retired == nil:
		b.retired = old
	default:
		// Replaced twice during one flight: the consumer reads one of
		// the two; leave this one to the garbage collector.
	}
}

// recycleRetired pools the retired buffer once no Peek is in flight: a
// Peek that starts later loads the current buffer. Caller holds the lock.
func (b *Bytes) recycleRetired() {
	if b.head.Load()&bytesInFlight == 0 {
		bufpool.Put(b.retired)
		b.retired = nil
	}
}

// Free gives the buffer back to the pool when the ring is empty and nothing
// is in flight, and reports whether the ring now holds none (Put takes one
// again). Any goroutine may call it, the consumer included; it never
// blocks: while a producer holds the lock it returns false (try again).
func (b *Bytes) Free() bool {
	t, ok := b.tryLock()
	if !ok {
		return false
	}
	ok = b.free(t)
	b.unlock(t)
	return ok
}

// free is Free with the lock held; t is the tail.
func (b *Bytes) free(t uint64) bool {
	hw := b.head.Load()
	if hw&bytesFlags != 0 {
		return false
	}
	if b.retired != nil {
		bufpool.Put(b.retired) // nothing is in flight
		b.retired = nil
	}
	bp := b.buf.Load()
	if bp == nil {
		return true
	}
	if t != hw {
		return false
	}
	// The ring is empty and we exclude producers, so no Peek can set
	// bytesInFlight (it needs tail != head) and read the buffer: a Peek
	// that saw frames earlier fails its CAS, the head having moved since.
	b.buf.Store(nil)
	bufpool.Put(bp)
	b.recharge(0)
	return true
}

// Discard drops every frame not in flight and reports them (for loss
// accounting when a stream closes); the consumer still writes out the
// frames in flight, uncounted. Safe for concurrent use; it takes the
// producers' lock, and while the consumer (maybe another goroutine, see
// TryPeekBytes) is inside Peek it yields until that Peek has published the
// end of what it took: a few instructions when all fits, else a bounded
// walk over frame headers, never I/O.
func (b *Bytes) Discard() (d Dropped) {
	t := b.lock()
	defer b.unlock(t)
	bp := b.buf.Load()
	if bp == nil {
		return d
	}
	for {
		hw := b.head.Load()
		inFlight, cut := hw&bytesInFlight != 0, hw&bytesCut != 0
		from := hw &^ bytesFlags // without a cut: the head; with one: the cut
		if inFlight && !cut {
			fe := b.flight.Load()
			if fe <= from { // flight still holds an earlier Peek's end
				runtime.Gosched()
				continue
			}
			from = fe
		}
		if from == t {
			return d
		}
		next := t
		if inFlight {
			// The head cannot move while frames are in flight: note in
			// the head word where Release must move it.
			next |= bytesInFlight | bytesCut
		}
		if !b.head.CompareAndSwap(hw, next) {
			continue // Peek or Release changed the head word
		}
		if inFlight && !cut {
			b.cutFrom = hw &^ bytesFlags
		}
		_, d.Frames = bytesSkip(*bp, from, t-from)
		d.Bytes = int(t - from)
		return d
	}
}

// Cap returns the ring's buffer size now (0: none): a snapshot, any goroutine, never blocks.
func (b *Bytes) Cap() int {
	if bp := b.buf.Load(); bp != nil {
		return len(*bp)
	}
	return 0
}

// Len returns the encoded bytes buffered now: a snapshot, any goroutine,
// never blocks. Frames in flight count until Release, except after a
// Discard, whose Dropped already counted the rest.
func (b *Bytes) Len() int {
	hw := b.head.Load()
	return int(b.tail.Load()&^tailLocked - hw&^bytesFlags) // tail never falls below a head loaded earlier
}
