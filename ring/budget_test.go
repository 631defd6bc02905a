package ring

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
)

// budgetCaps sums the buffer sizes of rings.
func budgetCaps(rings []*Bytes) int64 {
	var n int64
	for _, b := range rings {
		n += int64(b.Cap())
	}
	return n
}

// drain takes every frame out of b and returns how many there were.
func drain(b *Bytes) int {
	n := 0
	for {
		_, _, frames := b.Peek(1 << 20)
		if frames == 0 {
			return n
		}
		n += frames
		b.Release()
	}
}

// TestBudgetBoundsBuffers floods rings that nobody reads: their buffers
// stay within the budget, and every frame is either still queued or
// reported dropped once, by its own Put or by a reclaim.
func TestBudgetBoundsBuffers(t *testing.T) {
	const limit = 256 << 10
	var reclaimed atomic.Int64
	g := NewBudget(limit, nil, func(d Dropped) { reclaimed.Add(int64(d.Frames)) })
	rings := make([]*Bytes, 8)
	for i := range rings {
		rings[i] = NewBytesIn(1<<20, g) // each alone could take 4x the budget
	}
	put, dropped := 0, 0
	payload := make([]byte, 1000)
	for round := range 2000 {
		for i, b := range rings {
			if i > round%len(rings) { // rings start one after the other
				continue
			}
			d := b.Put(payload)
			put++
			dropped += d.Frames
		}
		if used, caps := g.Used(), budgetCaps(rings); used != caps || used > limit {
			t.Fatalf("round %d: used %d, buffers %d, limit %d", round, used, caps, limit)
		}
	}
	queued := 0
	for i, b := range rings {
		if b.Cap() < 16<<10 {
			t.Errorf("ring %d holds a %d B buffer: not a fair share of %d B over %d rings", i, b.Cap(), limit, len(rings))
		}
		queued += drain(b)
	}
	if got := queued + dropped + int(reclaimed.Load()); got != put {
		t.Fatalf("queued %d + dropped %d + reclaimed %d = %d, want %d put", queued, dropped, reclaimed.Load(), got, put)
	}
	if reclaimed.Load() == 0 {
		t.Fatal("no reclaim: the first rings never gave memory to the later ones")
	}
	for _, b := range rings {
		b.Seal()
		b.Leave()
	}
	if g.Used() != 0 {
		t.Fatalf("used %d after every ring left", g.Used())
	}
}

// TestBudgetStalledRingDoesNotStarve: one ring that nobody reads holds the
// whole budget; a second, read one still gets its frames through.
func TestBudgetStalledRingDoesNotStarve(t *testing.T) {
	const limit = 64 << 10
	var reclaimed atomic.Int64
	g := NewBudget(limit, nil, func(d Dropped) { reclaimed.Add(int64(d.Frames)) })
	stalled, live := NewBytesIn(1<<20, g), NewBytesIn(1<<20, g)
	payload := make([]byte, 2000)
	for range 100 {
		stalled.Put(payload)
	}
	if stalled.Cap() != limit {
		t.Fatalf("stalled ring holds %d B, want the whole budget %d", stalled.Cap(), limit)
	}
	for i := range 100 { // bursts of 8 KiB, each read
		for range 4 {
			if d := live.Put(payload); d.Frames > 0 {
				t.Fatalf("burst %d: the live ring dropped %+v", i, d)
			}
		}
		if n := drain(live); n != 4 {
			t.Fatalf("burst %d: read %d frames, want 4", i, n)
		}
		stalled.Put(payload) // the stalled one keeps trying to grow back
	}
	if reclaimed.Load() == 0 || g.Used() > limit {
		t.Fatalf("reclaimed %d frames, used %d of %d", reclaimed.Load(), g.Used(), limit)
	}
}

// TestBudgetParent: two budgets under one parent stay within the parent's
// limit together, and a reclaim there drops from the other child's ring
// (reported to that child).
func TestBudgetParent(t *testing.T) {
	root := NewBudget(128<<10, nil, nil)
	var lostA, lostB atomic.Int64
	a := NewBudget(128<<10, root, func(d Dropped) { lostA.Add(int64(d.Frames)) })
	b := NewBudget(128<<10, root, func(d Dropped) { lostB.Add(int64(d.Frames)) })
	ra, rb := NewBytesIn(1<<20, a), NewBytesIn(1<<20, b)
	payload := make([]byte, 1000)
	for range 200 {
		ra.Put(payload)
	}
	if ra.Cap() != 128<<10 {
		t.Fatalf("a's ring holds %d B, want 128 KiB", ra.Cap())
	}
	for range 60 {
		rb.Put(payload)
	}
	if root.Used() > root.Limit() || a.Used()+b.Used() != root.Used() {
		t.Fatalf("root used %d (limit %d), children %d + %d", root.Used(), root.Limit(), a.Used(), b.Used())
	}
	if rb.Cap() < 64<<10 || lostA.Load() == 0 || lostB.Load() != 0 {
		t.Fatalf("b's ring %d B; reclaimed from a %d, from b %d", rb.Cap(), lostA.Load(), lostB.Load())
	}
}

// TestBudgetSmallestAlwaysGranted: a ring's first 512 B come even from a
// full budget; larger first buffers do not.
func TestBudgetSmallestAlwaysGranted(t *testing.T) {
	g := NewBudget(0, nil, nil)
	b := NewBytesIn(1<<20, g)
	if d := b.Put(make([]byte, 100)); d.Frames != 0 || b.Cap() != bytesMinCap {
		t.Fatalf("put on a 0 budget: %+v, cap %d", d, b.Cap())
	}
	if d := b.Put(make([]byte, 1000)); !d.Incoming || b.Len() != 1+100 {
		t.Fatalf("put of a frame larger than the buffer: %+v, len %d", d, b.Len())
	}
	c := NewBytesIn(1<<20, g)
	if d := c.Put(make([]byte, 1000)); !d.Incoming || c.Cap() != 0 {
		t.Fatalf("first put needing 1 KiB on a full budget: %+v, cap %d", d, c.Cap())
	}
}

// TestBudgetStress runs producers and consumers on rings sharing a tight
// budget under -race: frames arrive intact and in order per ring, every
// frame is consumed or dropped exactly once, and the budget returns to 0.
func TestBudgetStress(t *testing.T) {
	const rings, perRing = 6, 20000
	var reclaimed atomic.Int64
	g := NewBudget(48<<10, nil, func(d Dropped) { reclaimed.Add(int64(d.Frames)) })
	rs := make([]*Bytes, rings)
	for i := range rs {
		rs[i] = NewBytesIn(256<<10, g)
	}
	var dropped, consumed atomic.Int64
	var stop atomic.Bool
	var wg, cons sync.WaitGroup
	for i, b := range rs {
		wg.Go(func() {
			p := make([]byte, 8+i*300)
			for seq := range perRing {
				binary.LittleEndian.PutUint64(p, uint64(seq))
				dropped.Add(int64(b.Put(p).Frames))
			}
		})
		cons.Go(func() {
			last := -1
			check := func(first, second []byte) {
				for _, f := range bytesParse(t, first, second) {
					seq := int(binary.LittleEndian.Uint64(f))
					if seq <= last || len(f) != 8+i*300 {
						t.Errorf("ring %d: frame %d (len %d) after %d", i, seq, len(f), last)
					}
					last = seq
				}
			}
			for {
				done := stop.Load()
				first, second, frames := b.Peek(16 << 10)
				if frames > 0 {
					check(first, second)
					consumed.Add(int64(frames))
					b.Release()
				} else if done {
					return
				}
				if i%2 == 0 { // half the consumers are slow
					for range 2000 {
						_ = b.Len()
					}
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	cons.Wait()
	if got := consumed.Load() + dropped.Load() + reclaimed.Load(); got != rings*perRing {
		t.Fatalf("consumed %d + dropped %d + reclaimed %d = %d, want %d", consumed.Load(), dropped.Load(), reclaimed.Load(), got, rings*perRing)
	}
	if used, caps := g.Used(), budgetCaps(rs); used != caps || used > g.Limit()+rings*bytesMinCap {
		t.Fatalf("used %d, buffers %d, limit %d", used, caps, g.Limit())
	}
	for _, b := range rs {
		b.Free()
	}
	if g.Used() != 0 {
		t.Fatalf("used %d after freeing every empty ring", g.Used())
	}
}
