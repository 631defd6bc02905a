package codec

import (
	"encoding/binary"
	"slices"
)

// Helpers only the tests use.

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

// CopyTo copies the payload into dst and returns the bytes copied, which is
// min(len(dst), f.Len()): a short dst receives the payload's first bytes.
func (f Frame) CopyTo(dst []byte) int {
	n := copy(dst, f.Head)
	return n + copy(dst[n:], f.Tail)
}

// Len returns the payload length.
func (f Frame) Len() int { return len(f.Head) + len(f.Tail) }
