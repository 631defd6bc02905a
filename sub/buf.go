package sub

import (
	"errors"

	"github.com/nanoq/nq/internal/bufpool"
)

// Partial frames wait between traffic events in buffers from bufpool for
// sizes from 512 B to 1 MiB (powers of two), so steady-state reassembly
// allocates nothing and an idle connection holds no buffer; larger ones
// are allocated to size and left to the GC.
const (
	minClassShift = 9  // 512 B
	maxClassShift = 20 // 1 MiB
)

// getBuffer returns an empty buffer with capacity bufferCap(n).
func getBuffer(n int) *[]byte {
	if n > 1<<maxClassShift {
		b := make([]byte, 0, n)
		return &b
	}
	p := bufpool.Get(max(n, 1<<minClassShift))
	*p = (*p)[:0]
	return p
}

// releaseBuffer gives p back (nil-safe); p must not be used afterwards.
func releaseBuffer(p *[]byte) {
	if p != nil && cap(*p) <= 1<<maxClassShift {
		bufpool.Put(p)
	}
}

// bufferCap is the capacity getBuffer(n) returns.
func bufferCap(n int) int {
	if n > 1<<maxClassShift {
		return n
	}
	return bufpool.Size(max(n, 1<<minClassShift))
}

// pendingCost is what a partial-frame buffer of capacity size takes from
// PendingBytes: its bytes beyond the smallest class. Every connection may
// hold a small partial frame (at most 512 B, a cost per connection like
// its other state); the budget bounds the large ones.
func pendingCost(size int) int { return max(size-1<<minClassShift, 0) }

// errPendingBudget is what a connection fails with when its partial frame
// would take the subscriber over PendingBytes.
var errPendingBudget = errors.New("partial frames over the subscriber's PendingBytes")

// appendPending appends src to the connection's partial frame, starting one
// (with room for at least start bytes) when there is none. A buffer that
// must grow at least doubles (so assembling a frame copies each byte O(1)
// times) but never exceeds total, the frame's full length. Growth is
// reserved from the subscriber's PendingBytes budget first; when that is
// spent it fails and the frame stays as it was. Event-loop only.
func (c *conn) appendPending(src []byte, start, total int) error {
	b := c.pending
	n, have := 0, 0
	if b != nil {
		n, have = len(*b), cap(*b)
	} else {
		c.pendingSince = c.s.clock.Now()
	}
	if n+len(src) > have {
		want := max(n+len(src), min(2*have, total), start)
		// Small buffers cost nothing: no shared atomic per partial frame.
		cost := pendingCost(bufferCap(want))
		if cost != c.held && !c.s.reservePending(cost-c.held) {
			return errPendingBudget
		}
		c.held = cost
		nb := getBuffer(want)
		if b != nil {
			*nb = append(*nb, *b...)
			releaseBuffer(b)
		}
		b = nb
	}
	*b = append(*b, src...)
	c.pending = b
	return nil
}

// releasePending gives the partial frame's buffer back, and its budget.
// Event-loop only.
func (c *conn) releasePending() {
	releaseBuffer(c.pending)
	c.pending = nil
	if c.held != 0 {
		c.s.pendingHeld.Add(-int64(c.held))
		c.held = 0
	}
}

// reservePending takes n bytes (n may be negative) of the PendingBytes
// budget, unless that would exceed it. Any event loop.
func (s *Subscriber) reservePending(n int) bool {
	for {
		h := s.pendingHeld.Load()
		if n > 0 && h+int64(n) > int64(s.opts.PendingBytes) {
			return false
		}
		if s.pendingHeld.CompareAndSwap(h, h+int64(n)) {
			return true
		}
	}
}
