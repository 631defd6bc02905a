package codec

import (
	"encoding/binary"
	"math/bits"
)

// MaxHeaderLen is the longest length prefix the codec accepts (a 64-bit uvarint).
const MaxHeaderLen = binary.MaxVarintLen64

// Payload limits, shared by publishers and subscribers.
const (
	// DefaultMaxPayload is the default payload limit: 10 MiB, as in the original nanoQ.
	DefaultMaxPayload = 10 << 20
	// MaxPayloadLimit is the largest payload limit an option may ask for: 1 GiB.
	MaxPayloadLimit = 1 << 30
)

// oneByteMax is the largest payload length whose prefix is a single byte.
const oneByteMax = 0x7f

// HeaderLen returns the length of the uvarint prefix for an n-byte payload:
// 1 for n < 128, one more byte for every further 7 bits of n.
// It panics if n is negative.
func HeaderLen(n int) int {
	if n < 0 {
		panic("codec: negative payload length")
	}
	return (bits.Len64(uint64(n)|1) + 6) / 7 // |1: n == 0 takes one byte too
}

// PutHeader writes the uvarint prefix for an n-byte payload into dst, which
// must have room for HeaderLen(n) bytes, and returns the bytes written:
// exactly those encoding/binary.PutUvarint writes. It panics if n is
// negative or dst is too short.
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
