package ring

import (
	"math/bits"
	"sync"
)

// bytesMaxClass is the largest buffer size class, 1<<bytesMaxClass bytes;
// NewBytes refuses limits above it.
const bytesMaxClass = 40

// bytesPools holds one pool per power-of-two buffer size: class k holds
// *[]byte with len == cap == 1<<k. Pooling the pointer, not the slice, lets
// Get and Put run without allocating.
var bytesPools [bytesMaxClass + 1]sync.Pool

// bytesPoolGet returns a buffer of exactly size bytes, a power of two no
// larger than 1<<bytesMaxClass. Its contents are arbitrary.
func bytesPoolGet(size uint64) *[]byte {
	k := bits.TrailingZeros64(size)
	if p, ok := bytesPools[k].Get().(*[]byte); ok {
		return p
	}
	s := make([]byte, size)
	return &s
}

// bytesPoolPut gives p back to the pool of its size class. The caller must
// hold the only reference to *p.
func bytesPoolPut(p *[]byte) {
	bytesPools[bits.TrailingZeros64(uint64(len(*p)))].Put(p)
}
