package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// oracle computes Parse's expected result from encoding/binary alone.
//
// binary.Uvarint gives the length and header size. Where it reports "too
// short" although 10 bytes are present (all with the continuation bit set),
// the codec reports ErrMalformed at once, as binary.ReadUvarint does; the
// fuzz target checks that this is the only divergence.
func oracle(p []byte, max int) result {
	x, k := binary.Uvarint(p)
	switch {
	case k < 0:
		return result{err: ErrMalformed}
	case k == 0 && len(p) >= MaxHeaderLen:
		return result{err: ErrMalformed}
	case k == 0:
		return result{need: 1}
	case max < 0 || x > uint64(max):
		return result{err: ErrTooBig}
	case x > uint64(len(p)-k):
		return result{need: int(x) - (len(p) - k)}
	}
	end := k + int(x)
	return result{payload: p[k:end], n: end}
}

// FuzzParse checks Parse against encoding/binary on arbitrary bytes, and
// Parse2 at every split against Parse on the concatenation.
func FuzzParse(f *testing.F) {
	f.Add([]byte{3, 'a', 'b', 'c'}, int64(100))
	f.Add([]byte{0xac, 0x02}, int64(300))
	f.Fuzz(func(t *testing.T, p []byte, max64 int64) {
		max := int(max64)
		want := oracle(p, max)

		// The oracle's header classification must agree with ReadUvarint's,
		// the stream decoder: malformed exactly when it reports overflow.
		_, rerr := binary.ReadUvarint(bytes.NewReader(p))
		shortRead := errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF)
		if (errClass(want.err) == "ErrMalformed") != (rerr != nil && !shortRead) {
			t.Fatalf("oracle says %v, ReadUvarint says %v", want.err, rerr)
		}

		got := parseResult(p, max)
		if d := diff(got, want); d != "" {
			t.Fatalf("Parse(% x, %d): %s", p, max, d)
		}
		if got.n > 0 && len(got.payload) > 0 && !sameStart(got.payload, p[got.n-len(got.payload):]) {
			t.Fatal("Parse: payload does not alias the input")
		}
		for s := 0; s <= len(p); s++ {
			a, b := split(p, s)
			if d := diff(parse2Result(a, b, max), got); d != "" {
				t.Fatalf("Parse2 split=%d: %s", s, d)
			}
			fr, n, _, _ := Parse2(a, b, max)
			if n > 0 {
				checkPieces(t, s, fr, a, b, n-fr.Len(), n)
			} else if fr.Len() != 0 {
				t.Fatalf("Parse2 split=%d: frame of %d bytes with n=0", s, fr.Len())
			}
		}
	})
}

// FuzzRoundTrip appends frames, lays them into a ring at a fuzzed offset so
// that they wrap at any point, and parses them back with Parse2 while the
// bytes arrive in fuzzed chunks, checking need at every partial step.
//
// Each byte of sizes gives one frame's payload length: 0–127 as is, 128–223
// up to ~16 KiB (2-byte headers), 224–255 up to ~78 KiB (3-byte headers).
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0, 1, 127, 128, 200}, uint32(3), uint16(0), uint16(7), uint64(1))
	f.Fuzz(func(t *testing.T, sizes []byte, start uint32, slack, chunk uint16, seed uint64) {
		const maxTotal = 1 << 18 // keeps each run in the millisecond range
		var stream []byte
		var bounds []int // end offset of every frame in stream
		var payloads [][]byte
		for i, c := range sizes {
			n := int(c)
			switch {
			case c >= 224:
				n = 16384 + int(c-224)*2000
			case c >= 128:
				n = 128 + int(c-128)*170
			}
			if len(stream)+n > maxTotal {
				break
			}
			p := pattern(n, i+int(seed))
			stream = AppendFrame(stream, p)
			bounds = append(bounds, len(stream))
			payloads = append(payloads, p)
		}

		// The ring holds the stream starting at ring[base], wrapping to ring[0].
		size := len(stream) + int(slack) + 1
		base := int(start) % size
		ring := make([]byte, size)
		copy(ring[base:], stream)
		if tail := size - base; tail < len(stream) {
			copy(ring, stream[tail:])
		}
		window := func(head, tail int) (a, b []byte) {
			i := (base + head) % size
			if n := tail - head; i+n <= size {
				return ring[i : i+n : i+n], nil
			}
			return ring[i:size:size], ring[: tail-head-(size-i) : tail-head-(size-i)]
		}

		rng := rand.New(rand.NewPCG(seed, uint64(chunk)))
		head, arrived := 0, 0
		for i, end := range bounds {
			hdr := HeaderLen(len(payloads[i]))
			for {
				a, b := window(head, arrived)
				fr, n, need, err := Parse2(a, b, 1<<20)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if n == 0 {
					want := 1
					if arrived-head >= hdr {
						want = end - arrived
					}
					if need != want || arrived >= end {
						t.Fatalf("frame %d, %d of %d bytes arrived: need=%d, want %d",
							i, arrived-head, end-head, need, want)
					}
					arrived = min(len(stream), arrived+1+rng.IntN(int(chunk)+1))
					continue
				}
				if n != end-head {
					t.Fatalf("frame %d: n=%d, want %d", i, n, end-head)
				}
				got := make([]byte, fr.Len())
				fr.CopyTo(got)
				if !bytes.Equal(got, payloads[i]) {
					t.Fatalf("frame %d: payload differs", i)
				}
				// Tail is used exactly when the payload crosses the ring's end.
				pos := (base + end - len(got)) % size
				if crosses := pos+len(got) > size; crosses != (len(fr.Tail) > 0) {
					t.Fatalf("frame %d: crosses the wrap: %v, but Tail has %d bytes", i, crosses, len(fr.Tail))
				}
				head = end
				break
			}
		}
		if a, b := window(head, arrived); head != len(stream) || len(a)+len(b) != 0 {
			t.Fatalf("consumed %d of %d bytes", head, len(stream))
		}
	})
}
