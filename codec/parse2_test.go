package codec

import (
	"bytes"
	"testing"
)

// TestParse2EverySplit parses a complete frame (followed by the start of the
// next one) split at every point, including inside the header, and checks
// where the pieces lie: a payload inside one segment must alias it whole.
func TestParse2EverySplit(t *testing.T) {
	for _, size := range cutSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			frame := AppendFrame(nil, pattern(size, 4))
			h, end := HeaderLen(size), len(frame)
			frame = append(frame, 1, 'x')
			for s := 0; s <= len(frame); s++ {
				a, b := split(frame, s)
				f, n, need, err := Parse2(a, b, size)
				if n != end || need != 0 || err != nil {
					t.Fatalf("split=%d: n=%d need=%d err=%v, want n=%d", s, n, need, err, end)
				}
				// Pieces that alias the right bytes of a and b hold the payload.
				checkPieces(t, s, f, a, b, h, end)
			}
		})
	}
}

// checkPieces checks Head and Tail for a payload at [start, end) of a‖b,
// where a is the first s bytes.
func checkPieces(t *testing.T, s int, f Frame, a, b []byte, start, end int) {
	t.Helper()
	switch {
	case start == end:
		if f.Len() != 0 {
			t.Fatalf("split=%d: empty payload has %d bytes", s, f.Len())
		}
	case end <= s: // inside a
		if len(f.Tail) != 0 || len(f.Head) != end-start || !sameStart(f.Head, a[start:]) {
			t.Fatalf("split=%d: payload inside a not returned as a's bytes in Head", s)
		}
	case start >= s: // inside b
		if len(f.Tail) != 0 || len(f.Head) != end-start || !sameStart(f.Head, b[start-s:]) {
			t.Fatalf("split=%d: payload inside b not returned as b's bytes in Head", s)
		}
	default: // crosses
		if len(f.Head) != s-start || !sameStart(f.Head, a[start:]) ||
			len(f.Tail) != end-s || !sameStart(f.Tail, b) {
			t.Fatalf("split=%d: crossing payload: head %d tail %d bytes, want %d and %d",
				s, len(f.Head), len(f.Tail), s-start, end-s)
		}
	}
	if cap(f.Head) != len(f.Head) || cap(f.Tail) != len(f.Tail) {
		t.Fatalf("split=%d: pieces have spare capacity", s)
	}
}

// TestParse2EveryCut cuts a frame at every point and splits each prefix in
// two: at every point for small frames, else at every point of the header
// region plus the middle and the ends. Parse2 must equal Parse on the prefix.
func TestParse2EveryCut(t *testing.T) {
	for _, size := range cutSizes {
		t.Run(sizeName(size), func(t *testing.T) {
			frame := AppendFrame(nil, pattern(size, 5))
			h, end := HeaderLen(size), len(frame)
			for c := 0; c <= end; c++ {
				want := wantAtCut(frame, h, end, c)
				for _, s := range splitsFor(c, h) {
					a, b := split(frame[:c:c], s)
					if d := diff(parse2Result(a, b, size), want); d != "" {
						t.Fatalf("cut=%d split=%d: %s", c, s, d)
					}
				}
			}
		})
	}
}

// splitsFor lists the split points tried for a c-byte prefix of a frame with
// an h-byte header.
func splitsFor(c, h int) []int {
	if c <= 300 {
		all := make([]int, c+1)
		for i := range all {
			all[i] = i
		}
		return all
	}
	var out []int
	for s := 0; s <= h+1; s++ {
		out = append(out, s)
	}
	return append(out, c/2, c-1, c)
}

// TestParse2Ring lays a stream of frames into a ring with the wrap at every
// position and parses it all with Parse2 over the two halves.
func TestParse2Ring(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
	}{
		{"small frames", []int{0, 1, 2, 127, 128, 129, 300, 0, 5}},
		{"3-byte header near the wrap", []int{1, 16384, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stream := buildStream(tc.sizes)
			ring := make([]byte, len(stream))
			for wrap := 0; wrap < len(stream); wrap++ {
				if len(stream) > 1000 && wrap > 40 && wrap < len(stream)-40 && wrap%97 != 0 {
					continue // keep the large case fast: dense near the frame edges only
				}
				// The stream starts at ring[wrap]; its first len(ring)-wrap bytes
				// fill the ring's end, the rest its start.
				copy(ring[wrap:], stream)
				copy(ring, stream[len(ring)-wrap:])
				a, b := ring[wrap:], ring[:wrap:wrap]
				for i, size := range tc.sizes {
					f, n, need, err := Parse2(a, b, 1<<20)
					if err != nil || need != 0 || n != HeaderLen(size)+size {
						t.Fatalf("wrap=%d frame %d: n=%d need=%d err=%v", wrap, i, n, need, err)
					}
					got := make([]byte, f.Len())
					f.CopyTo(got)
					if !bytes.Equal(got, pattern(size, i)) {
						t.Fatalf("wrap=%d frame %d: payload differs", wrap, i)
					}
					if n >= len(a) {
						a, b = b[n-len(a):], nil
					} else {
						a = a[n:]
					}
				}
				if len(a)+len(b) != 0 {
					t.Fatalf("wrap=%d: %d bytes left", wrap, len(a)+len(b))
				}
			}
		})
	}
}

func TestFrameCopyTo(t *testing.T) {
	f := Frame{Head: []byte("hel"), Tail: []byte("lo")}
	tests := []struct {
		name string
		dst  int
		want string
	}{
		{"exact", 5, "hello"},
		{"larger dst", 8, "hello"},
		{"short dst inside tail", 4, "hell"},
		{"short dst inside head", 2, "he"},
		{"empty dst", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, tc.dst)
			n := f.CopyTo(dst)
			if n != len(tc.want) || string(dst[:n]) != tc.want {
				t.Fatalf("CopyTo = %d %q, want %q", n, dst[:n], tc.want)
			}
		})
	}
	if f.Len() != 5 || (Frame{}).Len() != 0 {
		t.Fatalf("Len = %d, want 5", f.Len())
	}
}
