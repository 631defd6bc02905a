// Package bufpool pools byte buffers by power-of-two size: nanoQ's one
// buffer pool, for the publisher's rings, the receive queue's lanes and the
// subscriber's partial frames. Pooling *[]byte rather than []byte lets Get
// and Put run without allocating. It imports only the standard library.
package bufpool

import (
	"math/bits"
	"sync"
)

// MaxShift is the largest size class: buffers of up to 1<<MaxShift bytes.
const MaxShift = 40

// pools[k] holds buffers of capacity 1<<k.
var pools [MaxShift + 1]sync.Pool

// Size returns the size of the buffer Get(n) returns: the smallest power
// of two at least n (1 for n <= 1).
func Size(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// Get returns a buffer of Size(n) bytes (len == cap), n at most
// 1<<MaxShift. Its contents are arbitrary.
func Get(n int) *[]byte {
	size := Size(n)
	k := bits.TrailingZeros(uint(size))
	if p, ok := pools[k].Get().(*[]byte); ok {
		*p = (*p)[:size]
		return p
	}
	b := make([]byte, size)
	return &b
}

// Put gives p back for a later Get. The caller must hold the only
// reference to *p. A buffer whose capacity is not a power of two within
// the classes is left to the garbage collector.
func Put(p *[]byte) {
	c := cap(*p)
	if c == 0 || c&(c-1) != 0 || uint64(c) > 1<<MaxShift {
		return
	}
	pools[bits.TrailingZeros(uint(c))].Put(p)
}
