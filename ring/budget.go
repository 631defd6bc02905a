package ring

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/nanoq/nq/internal/bufpool"
)

// Budget bounds the memory of a set of Bytes rings (made by NewBytesIn):
// the sum of their buffers' sizes, whatever is queued in them. With a
// parent (one level only) a ring counts against both. Charge adds memory
// held elsewhere on the rings' behalf, which rings cannot reclaim: it
// counts in Used and OverHalf, so that callers hold less of it under
// pressure, but never keeps a ring from its share of the limit.
//
// A ring that needs a larger buffer takes the difference from its budget;
// when that is full it halves the largest rings with buffers larger than it
// wants, or else drops its own oldest frames (docs/ring.md, Budgets), so no
// ring starves the others and buffers tend to equal shares. A ring's first
// buffer (512 B) is always granted: the bound is the limit plus 512 B for
// each ring beyond limit/512 of them. Not counted: a buffer replaced while
// its consumer still read it (one per ring, until that read ends), and
// buffers pooled for reuse.
//
// All methods are safe for concurrent use. Lock order: a ring's producer
// lock, then a budget's mu; a ring holding its lock only tries (never waits
// for) another ring's lock.
type Budget struct {
	limit   atomic.Int64
	used    atomic.Int64 // ring buffer bytes charged
	outside atomic.Int64 // bytes of Charge
	parent  *Budget      // read-only
	level   int          // read-only: 0 for a root, 1 for a child
	onDrop  func(Dropped)

	mu      sync.Mutex
	classes [bufpool.MaxShift + 1]*Bytes // per buffer-size class, a list of member rings
}

// budgetLink is a ring's place in one budget's class list, guarded by its mu.
type budgetLink struct{ prev, next *Bytes }

// budgetTries bounds a ring's reclaim retries before it keeps its buffer.
const budgetTries = 64

// NewBudget returns a Budget of limit bytes under parent (nil for none; a
// parent must not have one itself). onDrop, if not nil, is called with the
// frames a reclaim drops from this budget's rings, on the goroutine whose
// ring needed the room, while it holds that ring's lock and the victim's:
// onDrop must not touch a ring. It panics if parent has a parent or limit < 0.
func NewBudget(limit int64, parent *Budget, onDrop func(Dropped)) *Budget {
	if limit < 0 || parent != nil && parent.parent != nil {
		panic("ring: NewBudget: negative limit or nested parents")
	}
	g := &Budget{parent: parent, onDrop: onDrop}
	if parent != nil {
		g.level = 1
	}
	g.limit.Store(limit)
	return g
}

// Parent returns the parent budget, or nil.
func (g *Budget) Parent() *Budget { return g.parent }

// Limit returns the budget's bound in bytes.
func (g *Budget) Limit() int64 { return g.limit.Load() }

// RaiseLimit raises the bound to n if n is larger.
func (g *Budget) RaiseLimit(n int64) {
	for l := g.limit.Load(); n > l; l = g.limit.Load() {
		if g.limit.CompareAndSwap(l, n) {
			return
		}
	}
}

// Used returns the bytes charged now, ring buffers and Charge: a snapshot.
func (g *Budget) Used() int64 { return g.used.Load() + g.outside.Load() }

// Rings returns the bytes of ring buffers charged now: a snapshot.
func (g *Budget) Rings() int64 { return g.used.Load() }

// OverHalf reports whether g or its parent has more than half its limit
// used, Charge included: a hint for callers to hold less memory elsewhere.
func (g *Budget) OverHalf() bool {
	for lv := g; lv != nil; lv = lv.parent {
		if lv.used.Load()+lv.outside.Load() > lv.limit.Load()/2 {
			return true
		}
	}
	return false
}

// Charge adds n bytes (n < 0 gives them back) of memory held elsewhere for
// the budget's rings, to g and its parent: see Budget.
func (g *Budget) Charge(n int64) {
	for lv := g; lv != nil; lv = lv.parent {
		lv.outside.Add(n)
	}
}

// NewBytesIn is NewBytes for a ring whose buffers count against g (nil: no
// budget). Call Leave when done with the ring.
func NewBytesIn(limit int, g *Budget) *Bytes {
	b := NewBytes(limit)
	b.budget = g
	return b
}

// take charges delta bytes at g alone if that stays within its limit.
func (g *Budget) take(delta int64) bool {
	lim := g.limit.Load()
	for u := g.used.Load(); u+delta <= lim; u = g.used.Load() {
		if g.used.CompareAndSwap(u, u+delta) {
			return true
		}
	}
	return false
}

// reserve charges c - b.charged bytes to b's budgets for a buffer of c
// bytes, reclaiming from larger rings where a budget is full, and reports
// whether it could. force charges the smallest buffer whatever the state.
// Caller holds b's lock; it does not change b's buffer or registration.
func (b *Bytes) reserve(c uint64, force bool) bool {
	g := b.budget
	if g == nil || b.left {
		return true
	}
	delta := int64(c - b.charged)
	if force {
		for lv := g; lv != nil; lv = lv.parent {
			lv.used.Add(delta)
		}
		return true
	}
	for lv := g; lv != nil; lv = lv.parent {
		ok := false
		for try := 0; try < budgetTries && !ok; try++ {
			if ok = lv.take(delta); !ok && !lv.reclaim(b, c) {
				break
			}
		}
		if !ok {
			for done := g; done != lv; done = done.parent {
				done.used.Add(-delta)
			}
			return false
		}
	}
	return true
}

// reclaim shrinks one ring of g with a buffer larger than c, other than b,
// the largest first. It reports false when no such ring exists; true when
// one was shrunk, or when every candidate was busy (after a yield: the
// caller tries again).
func (g *Budget) reclaim(b *Bytes, c uint64) bool {
	var cand [4]*Bytes
	n := 0
	g.mu.Lock()
	for k := bufpool.MaxShift; k > bits.TrailingZeros64(c) && n < len(cand); k-- {
		for v := g.classes[k]; v != nil && n < len(cand); v = v.links[g.level].next {
			if v != b {
				cand[n] = v
				n++
			}
		}
	}
	g.mu.Unlock()
	if n == 0 {
		return false
	}
	for _, v := range cand[:n] {
		if v.tryShrink() {
			return true
		}
	}
	runtime.Gosched()
	return true
}

// tryShrink halves b's buffer, dropping the oldest frames that do not fit,
// and reports whether it did. It gives up at once when b's lock is held or
// its consumer holds frames (Peek in flight). Caller holds another ring's
// lock, never a budget's mu.
func (b *Bytes) tryShrink() bool {
	t, ok := b.tryLock()
	if !ok {
		return false
	}
	defer b.unlock(t)
	bp := b.buf.Load()
	hw := b.head.Load()
	if bp == nil || b.left || len(*bp) <= bytesMinCap || hw&bytesFlags != 0 {
		return false
	}
	half := uint64(len(*bp)) / 2
	lo := hw
	var d Dropped
	if t-lo > half {
		next, frames := bytesSkip(*bp, lo, t-lo-half)
		if !b.head.CompareAndSwap(hw, next) {
			return false // a Peek took frames meanwhile
		}
		d = Dropped{Frames: frames, Bytes: int(next - lo)}
		lo, b.cachedHead = next, next
	}
	nb := bufpool.Get(int(half))
	bytesCopyRange(*nb, *bp, lo, t)
	b.buf.Store(nb)
	b.retire(bp)
	b.recharge(half)
	if d.Frames > 0 && b.budget.onDrop != nil {
		b.budget.onDrop(d)
	}
	return true
}

// recharge sets b's charged size to c: it gives back what it held beyond c
// (what it takes beyond was reserved already) and moves b to the class
// lists of c. Caller holds b's lock.
func (b *Bytes) recharge(c uint64) {
	g := b.budget
	if g == nil || b.left || c == b.charged {
		return
	}
	if c < b.charged {
		for lv := g; lv != nil; lv = lv.parent {
			lv.used.Add(-int64(b.charged - c))
		}
	}
	from := b.charged
	b.charged = c
	for lv := g; lv != nil; lv = lv.parent {
		lv.mu.Lock()
		lv.unlink(b, from)
		lv.link(b, c)
		lv.mu.Unlock()
	}
}

// Leave takes b out of its budget, giving back what it is charged; its
// buffer then counts nowhere until the garbage collector frees it. Call it
// once no Put will come (after Seal); later Frees give nothing back twice.
func (b *Bytes) Leave() {
	t := b.lock()
	b.recharge(0)
	b.left = true
	b.unlock(t)
}

// unlink removes b from the class list of buffer size c (none for 0); g.mu held.
func (g *Budget) unlink(b *Bytes, c uint64) {
	if c == 0 {
		return
	}
	l := &b.links[g.level]
	if l.prev != nil {
		l.prev.links[g.level].next = l.next
	} else {
		g.classes[bits.TrailingZeros64(c)] = l.next
	}
	if l.next != nil {
		l.next.links[g.level].prev = l.prev
	}
	l.prev, l.next = nil, nil
}

// link adds b first to the class list of buffer size c (none for 0); g.mu held.
func (g *Budget) link(b *Bytes, c uint64) {
	if c == 0 {
		return
	}
	k := bits.TrailingZeros64(c)
	l := &b.links[g.level]
	l.prev, l.next = nil, g.classes[k]
	if l.next != nil {
		l.next.links[g.level].prev = b
	}
	g.classes[k] = b
}
