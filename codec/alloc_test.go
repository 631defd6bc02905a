//go:build !race

package codec

import (
	"bytes"
	"math"
	"testing"
)

// TestZeroAllocs checks that the hot paths, error paths included, never allocate.
func TestZeroAllocs(t *testing.T) {
	small, big := pattern(100, 1), pattern(70000, 2)
	buf := make([]byte, 0, 2*len(big))
	frame := AppendFrame(nil, big)
	malformed := bytes.Repeat([]byte{0x80}, 11)
	overflow := append(bytes.Repeat([]byte{0xff}, 9), 2)
	tooBig := uvarintOf(math.MaxUint64)
	var sinkN int
	var sinkErr error
	var dst [128]byte

	tests := []struct {
		name string
		run  func()
	}{
		{"AppendFrame 1-byte header", func() { buf = AppendFrame(buf[:0], small) }},
		{"AppendFrame 3-byte header", func() { buf = AppendFrame(buf[:0], big) }},
		{"PutHeader", func() { sinkN = PutHeader(dst[:], len(big)) }},
		{"Parse 1-byte header", func() { _, sinkN, _, sinkErr = Parse(buf[:101], 100) }},
		{"Parse 3-byte header", func() { _, sinkN, _, sinkErr = Parse(frame, len(big)) }},
		{"Parse partial", func() { _, _, sinkN, sinkErr = Parse(frame[:10], len(big)) }},
		{"Parse ErrTooBig", func() { _, _, sinkN, sinkErr = Parse(tooBig, math.MaxInt) }},
		{"Parse ErrMalformed too long", func() { _, _, sinkN, sinkErr = Parse(malformed, math.MaxInt) }},
		{"Parse ErrMalformed overflow", func() { _, _, sinkN, sinkErr = Parse(overflow, math.MaxInt) }},
		{"Parse2 fast path", func() { _, sinkN, _, sinkErr = Parse2(buf[:101], nil, 100) }},
		{"Parse2 header across the wrap", func() { _, sinkN, _, sinkErr = Parse2(frame[:2], frame[2:], len(big)) }},
		{"Parse2 payload across the wrap", func() { _, sinkN, _, sinkErr = Parse2(frame[:500], frame[500:], len(big)) }},
		{"Parse2 partial", func() { _, _, sinkN, sinkErr = Parse2(frame[:1], frame[1:10], len(big)) }},
		{"Parse2 ErrTooBig", func() { _, _, sinkN, sinkErr = Parse2(tooBig[:3], tooBig[3:], math.MaxInt) }},
		{"Parse2 ErrMalformed too long", func() { _, _, sinkN, sinkErr = Parse2(malformed[:5], malformed[5:], math.MaxInt) }},
		{"Parse2 ErrMalformed overflow", func() { _, _, sinkN, sinkErr = Parse2(overflow[:5], overflow[5:], math.MaxInt) }},
		{"CopyTo", func() { sinkN = (Frame{Head: frame[3:60], Tail: frame[60:100]}).CopyTo(dst[:]) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tc.run); n != 0 {
				t.Fatalf("%v allocs per run, want 0", n)
			}
		})
	}
	_, _ = sinkN, sinkErr
}
