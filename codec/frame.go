package codec

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// MaxHeaderLen is the longest length prefix the codec accepts (a 64-bit uvarint).
const MaxHeaderLen = binary.MaxVarintLen64

// oneByteMax is the largest payload length whose prefix is a single byte.
const oneByteMax = 0x7f

// HeaderLen returns the length of the uvarint prefix for an n-byte payload:
// 1 for n < 128, one more byte for every further 7 bits of n.
// It panics if n is negative.
func HeaderLen(n int) int {
	if n < 0 {
		panic("codec: negative payload length")
	}
	// Each prefix byte carries 7 bits; n == 0 still takes one byte.
	return (bits.Len64(uint64(n)|1) + 6) / 7
}

// PutHeader writes the uvarint prefix for an n-byte payload into dst, which
// must have room for HeaderLen(n) bytes, and returns the bytes written.
// The bytes are exactly those encoding/binary.PutUvarint writes.
// It panics if n is negative or dst is too short.
func PutHeader(dst []byte, n int) int {
	if n < 0 {
		panic("codec: negative payload length")
	}
	if n <= oneByteMax {
		dst[0] = byte(n)
		return 1
	}
	return binary.PutUvarint(dst, uint64(n))
}

// AppendFrame appends uvarint(len(payload)) followed by payload to dst and
// returns the extended slice. When dst lacks capacity it grows once, by the
// whole frame; when it has capacity AppendFrame does not allocate.
func AppendFrame(dst, payload []byte) []byte {
	n := len(payload)
	if n <= oneByteMax {
		dst = slices.Grow(dst, 1+n)
		dst = append(dst, byte(n))
		return append(dst, payload...)
	}
	dst = slices.Grow(dst, HeaderLen(n)+n)
	dst = binary.AppendUvarint(dst, uint64(n))
	return append(dst, payload...)
}
