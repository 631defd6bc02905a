package ring

import (
	"math/bits"
	"runtime"
	"sync/atomic"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/internal/bufpool"
	"github.com/nanoq/nq/internal/errs"
)

// ErrClosed is returned by operations on a closed Queue (and by the
// publisher, subscriber and reactor: one value). errors.Is matches it with
// net.ErrClosed too.
var ErrClosed = errs.ErrClosed

// Dropped counts frames lost by one call, with their size in bytes: the
// encoded size for Bytes, the payload size for Queue and Lane.
type Dropped struct {
	Frames   int
	Bytes    int
	Incoming bool // the frame being put was itself among the dropped
}

// Flag bits of the head word. The low 62 bits hold a byte position.
const (
	// bytesInFlight: the consumer owns the frames from the head position
	// up to its Peek's end (set by Peek's CAS, cleared by Release).
	bytesInFlight uint64 = 1 << 63
	// bytesCut, only with bytesInFlight: Discard dropped the frames after
	// the in-flight ones; the position bits then hold where the head goes
	// on Release, and producers keep the in-flight start in cutFrom.
	bytesCut   uint64 = 1 << 62
	bytesFlags        = bytesInFlight | bytesCut
)

// bytesMinCap is a ring's first buffer (unless limit is smaller): small for
// idle streams, room for a few typical frames before the first growth.
const bytesMinCap = 512

// Bytes is the per-stream outbound ring of encoded frames, uvarint(len)‖payload.
//
// Producers: TryPut, Seal, Discard, Free, Len and Cap are safe for
// concurrent use by any number of goroutines; TryPut, Seal and Discard
// serialize on a small internal lock. Consumer: TryPeekBytes, Peeked,
// Frames, Release and Unpeek are called by one goroutine at a time (usually
// the stream's event loop), never take that lock and never block;
// goroutines take turns as the consumer through TryPeekBytes. Free, Len
// and Cap never block either and may also be called by the consumer.
type Bytes struct {
	_ noCopy

	// Consumer side, written on every Peek and Release. head is the oldest
	// frame's position plus the flag bits above (never decreasing); while
	// bytesInFlight is clear a producer may CAS it forward past whole frames
	// (drop oldest, Discard), while it is set only Discard may, to add bytesCut.
	head atomic.Uint64
	// flight is the end of the bytes taken by the latest Peek; written by
	// the consumer, read by Discard. It belongs to the Peek in flight once
	// it exceeds that Peek's start.
	flight atomic.Uint64
	// Consumer only.
	peeked     bool   // a Peek awaits its Release or Unpeek
	peekEnd    uint64 // where Release moves the head, unless cut
	peekStart  uint64 // where the Peek in flight starts
	peekFrames int    // frames it took; -1 until Frames counts them

	// The consumer fields above are 48 B: this puts the producer side on
	// the next cache line, and a ring (allocated alone, by NewBytes) on
	// lines of its own, since it is 192 B, a size class whose objects
	// start at multiples of 192 B in page-aligned spans, so on 64 B
	// boundaries (TestBytesLayout checks both sizes). A full line of pad
	// kept the sides apart wherever a ring landed, at 240 B per ring.
	// One pad, not two: the read-only bounds below share the line only
	// producers write.
	_ [cacheLine - 48]byte

	// Producer side, written on every Put. tail is the position after the
	// newest frame (never decreasing) plus tailLocked, the producers' lock
	// (Put, Discard, Free, Seal; see lock, unlock). The consumer never takes
	// the lock: it loads tail, masks the bit, then reads the bytes.
	tail atomic.Uint64
	// buf is the ring memory (len a power of two; nil while freed), stored
	// under the lock and loaded by the consumer only after Peek set
	// bytesInFlight; a replacement holds the same bytes at the same
	// positions, so the consumer may load it again mid-flight.
	buf atomic.Pointer[[]byte]
	// limit bounds tail - head, in encoded bytes: stored by SetLimit (any
	// goroutine), loaded by producers holding the lock.
	limit atomic.Uint64
	// Set by NewBytes; read-only afterwards.
	maxLimit uint64 // NewBytes's limit: the most SetLimit allows
	maxCap   uint64 // the power of two >= maxLimit: the largest buffer
	// Producers only, holding the lock.
	cachedHead uint64  // a lower bound of the first occupied position, refreshed when the ring looks full (the Disruptor's cached gating sequence)
	cutFrom    uint64  // while bytesCut is set: the start of the bytes in flight
	owned      uint64  // positions below this were written ahead by claimLines
	sealed     bool    // Seal ran: Put refuses
	left       bool    // Leave ran: nothing is charged to budget any more (beside sealed: 8 B less)
	retired    *[]byte // a buffer replaced while a Peek was in flight; pooled once none is

	// Memory budget (NewBytesIn). budget is read-only; the rest is guarded
	// by the lock, except links, guarded by each budget's mu.
	budget  *Budget
	charged uint64        // buffer bytes charged to budget: the buffer's size, or 0
	links   [2]budgetLink // place in the class lists of budget (0: root, 1: child), see Budget
}

// NewBytes returns an empty ring whose encoded content never exceeds limit
// bytes. It holds no buffer memory until the first Put, grows in powers of
// two up to limit, and gives memory back to a pool (Free). It panics unless
// 0 < limit <= 1 TiB.
func NewBytes(limit int) *Bytes {
	if limit <= 0 || uint64(limit) > 1<<bufpool.MaxShift {
		panic("ring: NewBytes: limit out of range")
	}
	b := &Bytes{maxLimit: uint64(limit), maxCap: 1 << bits.Len64(uint64(limit-1))}
	b.limit.Store(uint64(limit))
	return b
}

// SetLimit moves the bound on the ring's content to n, within 1 and
// NewBytes's limit: a caller that holds some of the same data elsewhere
// (a socket's unsent output) keeps the sum bounded. Content above a lower
// limit goes, oldest first, at the next Put. Any goroutine; never blocks.
func (b *Bytes) SetLimit(n int) {
	b.limit.Store(min(uint64(max(n, 1)), b.maxLimit))
}

// TryPut appends uvarint(len(payload))‖payload as one frame; on a ring
// sealed by Seal it puts and counts nothing and reports ok false. When the
// frame does not fit, the oldest whole frames are dropped to make room, or
// the new frame while those are in flight (between a Peek and Release); so
// is a frame larger than limit (Dropped.Incoming). d reports exactly the
// frames and encoded bytes this call dropped. Safe for concurrent use:
// callers serialize on the ring's lock but never wait for the consumer.
// Zero allocations once the ring has grown.
func (b *Bytes) TryPut(payload []byte) (d Dropped, ok bool) {
	n := uint64(codec.HeaderLen(len(payload)) + len(payload))
	t := b.lock()
	switch ok = !b.sealed; {
	case !ok:
	case n > b.limit.Load():
		d = Dropped{Frames: 1, Bytes: int(n), Incoming: true}
	default:
		d, t = b.put(payload, n, t)
	}
	b.unlock(t)
	return d, ok
}

// Seal makes every later Put refuse, and returns once no Put is in
// progress: what Discard finds after Seal stays final. Safe for concurrent
// use; idempotent.
func (b *Bytes) Seal() {
	t := b.lock()
	b.sealed = true
	b.unlock(t)
}

// tailLocked, in the tail word, marks the producers' lock as held.
const tailLocked uint64 = 1 << 63

// lockSpins is how many times lock retries before it yields the processor
// between tries: a holder is inside one frame's copy.
const lockSpins = 16

// lock takes the producers' lock and returns the tail position.
func (b *Bytes) lock() uint64 {
	for i := 0; ; i++ {
		if t, ok := b.tryLock(); ok {
			return t
		}
		if i >= lockSpins {
			runtime.Gosched()
		}
	}
}

// tryLock takes the producers' lock if it is free, never waiting, and returns the tail.
func (b *Bytes) tryLock() (t uint64, ok bool) {
	t = b.tail.Load()
	return t, t&tailLocked == 0 && b.tail.CompareAndSwap(t, t|tailLocked)
}

// unlock releases the producers' lock and publishes tail position t (the
// position lock returned, or a later one once frames were written).
func (b *Bytes) unlock(t uint64) { b.tail.Store(t) }

// put appends one frame of n encoded bytes, n <= limit, at tail position t,
// and returns the new tail for unlock to publish. Caller holds the lock.
func (b *Bytes) put(payload []byte, n, t uint64) (d Dropped, tail uint64) {
	if b.retired != nil {
		b.recycleRetired()
	}
	bp := b.buf.Load()
	if bp == nil {
		if bp = b.alloc(n); bp == nil { // the budget refused
			return Dropped{Frames: 1, Bytes: int(n), Incoming: true}, t
		}
	}
	limit := b.limit.Load()
	room := min(uint64(len(*bp)), limit)
	for {
		// Fast path: cachedHead never exceeds the real first occupied
		// position, so the room it shows is really free.
		if t-b.cachedHead+n <= room {
			bytesWrite(*bp, t, payload)
			if t+n > b.owned {
				b.claimLines(*bp, t+n)
			}
			return d, t + n // unlock's store waits for the writes above to own their cache lines
		}
		hw := b.head.Load()
		lo := b.occupiedFrom(hw)
		b.cachedHead = lo
		need := t - lo + n
		if need <= room {
			continue // the consumer released room; the fast path takes it
		}
		most := limit // what the ring may hold: the limit, or its buffer when the budget refuses more
		if need <= limit {
			if nb := b.grow(bp, lo, t, need); nb != nil {
				bp, room = nb, min(uint64(len(*nb)), limit)
				continue
			}
			most = room
		}
		if n > most || hw&bytesInFlight != 0 {
			// It cannot fit, or the oldest frames are being written out: drop it.
			d.Frames, d.Bytes, d.Incoming = d.Frames+1, d.Bytes+int(n), true
			return d, t
		}
		next, frames := bytesSkip(*bp, lo, need-most)
		if b.head.CompareAndSwap(hw, next) {
			d.Frames, d.Bytes = d.Frames+frames, d.Bytes+int(next-lo)
			b.cachedHead = next
		}
		// Else Peek or Release moved the head: look again.
	}
}

// occupiedFrom returns the first position whose bytes a producer must not
// overwrite, given a head word. Caller holds the lock (for cutFrom).
func (b *Bytes) occupiedFrom(hw uint64) uint64 {
	if hw&bytesCut != 0 {
		return b.cutFrom
	}
	return hw &^ bytesFlags
}

// ownAhead is how far past the tail claimLines claims cache lines at a time.
const ownAhead = 4 << 10

// claimLines writes a zero to each cache line of the free bytes [from,
// from+ownAhead) not yet owned, so that the next Puts find those lines
// exclusive to this core instead of each waiting out a round trip to the
// consumer's (docs/ring.md, Cache lines). The bytes are free: below
// cachedHead+len(p), which the consumer released (its reads of the previous
// lap happen before), and at or above tail, which it does not read until
// unlock stores a later tail. Caller holds the lock.
func (b *Bytes) claimLines(p []byte, from uint64) {
	mask := uint64(len(p) - 1)
	end := min(from+ownAhead, b.cachedHead+uint64(len(p)))
	for pos := (max(from, b.owned) + 63) &^ 63; pos < end; pos += 64 {
		p[pos&mask] = 0
	}
	b.owned = end
}
