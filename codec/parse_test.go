package codec

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// cutSizes are the payload sizes whose frames are cut at every point.
var cutSizes = []int{0, 1, 127, 128, 16383, 16384, 1 << 20}

// wantAtCut is the expected result of parsing the first c bytes of frame,
// a frame with an h-byte header followed by the rest of another frame.
func wantAtCut(frame []byte, h, end, c int) result {
	switch {
	case c >= end:
		return result{payload: frame[h:end], n: end}
	case c < h:
		return result{need: 1} // header incomplete
	default:
		return result{need: end - c} // header complete: exact missing count
	}
}

// TestParseEveryCut parses every prefix of a frame (followed by the start of
// the next frame, which Parse must not consume).
func TestParseEveryCut(t *testing.T) {
	for _, size := range cutSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			payload := pattern(size, 3)
			frame := AppendFrame(nil, payload)
			h, end := HeaderLen(size), len(frame)
			frame = append(frame, 5, 'n', 'e', 'x', 't', '!')
			for c := 0; c <= len(frame); c++ {
				p := frame[:c:c]
				got := parseResult(p, size)
				if d := diff(got, wantAtCut(frame, h, end, c)); d != "" {
					t.Fatalf("cut=%d: %s", c, d)
				}
				if got.n > 0 {
					// The payload aliases p and its capacity stops at its end.
					if size > 0 && !sameStart(got.payload, p[h:]) {
						t.Fatalf("cut=%d: payload does not alias the input", c)
					}
					if cap(got.payload) != size {
						t.Fatalf("cut=%d: payload cap %d, want %d", c, cap(got.payload), size)
					}
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tenCont := bytes.Repeat([]byte{0x80}, 10)
	tests := []struct {
		name string
		in   []byte
		max  int
		want result
	}{
		{"empty input", nil, 100, result{need: 1}},
		{"len equals max", []byte{4, 'a', 'b', 'c', 'd'}, 4, result{payload: []byte("abcd"), n: 5}},
		{"1-byte len above max", []byte{5, 'a', 'b', 'c', 'd', 'e'}, 4, result{err: ErrTooBig}},
		{"too big before the payload arrives", []byte{5}, 4, result{err: ErrTooBig}},
		{"2-byte len above max", uvarintOf(200), 199, result{err: ErrTooBig}},
		{"10 MiB + 1 above MaxPayload", uvarintOf(10<<20 + 1), 10 << 20, result{err: ErrTooBig}},
		{"empty frame with max 0", []byte{0}, 0, result{payload: []byte{}, n: 1}},
		{"negative max rejects empty frame", []byte{0}, -1, result{err: ErrTooBig}},
		{"negative max rejects long header", uvarintOf(300), -1, result{err: ErrTooBig}},
		{"1<<63 is not a negative int", uvarintOf(1 << 63), math.MaxInt, result{err: ErrTooBig}},
		{"MaxUint64 is not a negative int", uvarintOf(math.MaxUint64), math.MaxInt, result{err: ErrTooBig}},
		{"MaxInt length waits for payload", uvarintOf(math.MaxInt), math.MaxInt, result{need: math.MaxInt}},
		{"MaxInt length, 3 payload bytes", append(uvarintOf(math.MaxInt), 1, 2, 3), math.MaxInt, result{need: math.MaxInt - 3}},
		{"11-byte varint", append(bytes.Repeat([]byte{0x80}, 10), 0), math.MaxInt, result{err: ErrMalformed}},
		{"10 continuation bytes, no 11th yet", tenCont, math.MaxInt, result{err: ErrMalformed}},
		{"9 continuation bytes: need more", tenCont[:9], math.MaxInt, result{need: 1}},
		{"overflow at 10th byte (2)", append(bytes.Repeat([]byte{0xff}, 9), 2), math.MaxInt, result{err: ErrMalformed}},
		{"overflow at 10th byte (0x7f)", append(bytes.Repeat([]byte{0x80}, 9), 0x7f), math.MaxInt, result{err: ErrMalformed}},
		{"non-minimal 10-byte zero length", append(bytes.Repeat([]byte{0x80}, 9), 0), 0, result{payload: []byte{}, n: 10}},
		{"non-minimal 2-byte length 1", []byte{0x81, 0x00, 'x'}, 1, result{payload: []byte("x"), n: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseResult(tc.in, tc.max)
			sameResult(t, "Parse", got, tc.want)
			if tc.want.err != nil && !errors.Is(got.err, tc.want.err) {
				t.Fatalf("errors.Is(%v, %v) = false", got.err, tc.want.err)
			}
			for s := 0; s <= len(tc.in); s++ {
				a, b := split(tc.in, s)
				sameResult(t, "Parse2 split="+itoa(s), parse2Result(a, b, tc.max), tc.want)
			}
		})
	}
}

func TestErrorsWrapSentinels(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
	}{
		{"too long", errTooLong, ErrMalformed},
		{"overflow", errOverflow, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.target) {
				t.Fatalf("errors.Is(%v, %v) = false", tc.err, tc.target)
			}
			if errors.Is(tc.err, ErrTooBig) {
				t.Fatalf("%v also matches ErrTooBig", tc.err)
			}
		})
	}
}

// streamSizes covers 1-, 2- and 3-byte headers, empty frames and neighbours
// of every header boundary.
var streamSizes = []int{0, 1, 5, 127, 128, 129, 0, 300, 16383, 16384, 16385, 70000, 2, 0}

func buildStream(sizes []int) []byte {
	var stream []byte
	for i, size := range sizes {
		stream = AppendFrame(stream, pattern(size, i))
	}
	return stream
}

func TestParseStream(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
	}{
		{"mixed sizes", streamSizes},
		{"many small", []int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
		{"empty frames only", []int{0, 0, 0, 0}},
		{"no frames", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := buildStream(tc.sizes)
			for i, size := range tc.sizes {
				payload, n, need, err := Parse(p, 1<<20)
				if err != nil || need != 0 || n != HeaderLen(size)+size {
					t.Fatalf("frame %d: n=%d need=%d err=%v", i, n, need, err)
				}
				if !bytes.Equal(payload, pattern(size, i)) {
					t.Fatalf("frame %d: payload differs", i)
				}
				p = p[n:]
			}
			if _, n, need, err := Parse(p, 1<<20); n != 0 || need != 1 || err != nil {
				t.Fatalf("after the last frame: n=%d need=%d err=%v, want need=1", n, need, err)
			}
		})
	}
}
