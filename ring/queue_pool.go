package ring

import (
	"math/bits"
	"sync"
)

// The Queue's payload buffers come from size-classed pools: class c holds
// buffers of capacity 1<<c, from 64 B to 16 MiB (room for the default 10 MiB
// MaxPayload). A frame larger than the biggest class gets a buffer of its
// own that is left to the GC. Pools hold *[]byte so that Put and Get on a
// sync.Pool do not allocate. The names carry a queue prefix to stay apart
// from the Bytes ring's own pool.
const (
	queueMinClass = 6  // 64 B
	queueMaxClass = 24 // 16 MiB
)

var queueBufPools [queueMaxClass - queueMinClass + 1]sync.Pool

// queueClass returns the size class of a buffer that can hold n bytes.
func queueClass(n int) int {
	if n <= 1<<queueMinClass {
		return queueMinClass
	}
	return bits.Len(uint(n - 1))
}

// queueGetBuf returns a buffer of length n, from the pools when n fits a class.
func queueGetBuf(n int) *[]byte {
	c := queueClass(n)
	if c > queueMaxClass {
		b := make([]byte, n)
		return &b
	}
	if p, _ := queueBufPools[c-queueMinClass].Get().(*[]byte); p != nil {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n, 1<<c)
	return &b
}

// queuePutBuf gives a buffer from queueGetBuf back to its pool. The caller
// must not touch it afterwards.
func queuePutBuf(p *[]byte) {
	c := cap(*p)
	if c < 1<<queueMinClass || c > 1<<queueMaxClass || c&(c-1) != 0 {
		return // an oversize buffer: let the GC have it
	}
	queueBufPools[bits.Len(uint(c))-1-queueMinClass].Put(p)
}
