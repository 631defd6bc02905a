package sub

import (
	"math/bits"
	"sync"
)

// buffer holds a partial frame between traffic events. Buffers come from
// size-classed pools (powers of two from 512 B to 1 MiB), so steady-state
// reassembly allocates nothing and an idle connection holds no buffer.
type buffer struct {
	b []byte
}

const (
	minClassShift = 9  // 512 B
	maxClassShift = 20 // 1 MiB; larger buffers are left to the GC
)

var bufPools [maxClassShift - minClassShift + 1]sync.Pool

func classOf(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minClassShift
}

// getBuffer returns an empty buffer with capacity at least n.
func getBuffer(n int) *buffer {
	c := classOf(n)
	if c < len(bufPools) {
		if v, ok := bufPools[c].Get().(*buffer); ok {
			return v
		}
		return &buffer{b: make([]byte, 0, 1<<(c+minClassShift))}
	}
	return &buffer{b: make([]byte, 0, n)}
}

// release returns b to its pool; b must not be used afterwards. Nil-safe.
func (b *buffer) release() {
	if b == nil {
		return
	}
	c := classOf(cap(b.b))
	if c < len(bufPools) && cap(b.b) == 1<<(c+minClassShift) {
		b.b = b.b[:0]
		bufPools[c].Put(b)
	}
}

// appendGrow appends src to b, replacing b by a larger buffer when needed.
// Capacity at least doubles on growth (so assembling a frame copies each byte
// O(1) times) but never exceeds total, the frame's full length.
func appendGrow(b *buffer, src []byte, total int) *buffer {
	if need := len(b.b) + len(src); need > cap(b.b) {
		nb := getBuffer(max(need, min(2*cap(b.b), total)))
		nb.b = append(nb.b, b.b...)
		b.release()
		b = nb
	}
	b.b = append(b.b, src...)
	return b
}
