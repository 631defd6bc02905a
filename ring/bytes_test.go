package ring

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/nanoq/nq/codec"
)

func TestBytesScripts(t *testing.T) {
	self := func(n int) Dropped { return Dropped{Frames: 1, Bytes: n, Incoming: true} }
	oldest := func(frames, n int) Dropped { return Dropped{Frames: frames, Bytes: n} }
	cases := []struct {
		name  string
		limit int
		steps []bytesStep
	}{
		{"wrap: payload crosses the end", 512, []bytesStep{
			bytesPut(200), bytesPut(200), // 202 B each
			bytesPeek(1000, 1, 2), bytesRelease(),
			bytesPut(200), // at 404: payload wraps
			bytesCapIs(512),
			bytesPeekSplit(1000, 3), bytesRelease(), bytesLen(0),
		}},
		{"wrap: two-byte header split", 512, []bytesStep{
			bytesPut(509), // 511 B
			bytesPeek(1000, 1), bytesRelease(),
			bytesPut(200), // header at 511 and 0
			bytesPeekSplit(1000, 2), bytesRelease(),
		}},
		{"wrap: one-byte header on the last byte", 512, []bytesStep{
			bytesPut(509),
			bytesPeek(1000, 1), bytesRelease(),
			bytesPut(100),
			bytesPeekSplit(1000, 2), bytesRelease(),
		}},
		{"wrap: three-byte header split", 1 << 15, []bytesStep{
			bytesPut(20000), bytesCapIs(1 << 15), // 20003 B
			bytesPeek(1<<20, 1), bytesRelease(),
			bytesPut(12762), // 12764 B: tail at 32767
			bytesPeek(1<<20, 2), bytesRelease(),
			bytesPut(16384), // header at 32767, 0, 1
			bytesPeekSplit(1<<20, 3), bytesRelease(),
		}},
		{"wrap: frames of a full buffer", 512, []bytesStep{
			bytesPut(300), bytesPeek(1000, 1), bytesRelease(), // 302 B
			bytesPut(100), bytesPut(408), // 101 + 410 B
			bytesPut(0), // 1 B: exactly full
			bytesLen(512), bytesCapIs(512),
			bytesPeekSplit(1000, 2, 3, 4), bytesRelease(),
		}},
		{"growth from empty to limit", 4096, []bytesStep{
			bytesCapIs(0), bytesLen(0),
			bytesPut(100), bytesCapIs(512),
			bytesPutN(4, 100), bytesCapIs(512), // 505 B
			bytesPut(100), bytesCapIs(1024),
			bytesPutN(4, 100), bytesCapIs(1024), // 1010 B
			bytesPut(100), bytesCapIs(2048),
			bytesPutN(9, 100), bytesCapIs(2048), // 2020 B
			bytesPut(100), bytesCapIs(4096),
			bytesPutN(19, 100), bytesLen(4040), bytesCapIs(4096),
			bytesPutDrop(100, oldest(1, 101)), bytesCapIs(4096), bytesLen(4040),
			bytesPeek(1<<20, bytesIDs(2, 41)...), bytesRelease(),
		}},
		{"growth to a limit that is not a power of two", 3000, []bytesStep{
			bytesPutN(29, 100), bytesLen(2929), bytesCapIs(4096),
			bytesPutDrop(100, oldest(1, 101)), bytesLen(2929),
			bytesPeek(1<<20, bytesIDs(2, 30)...), bytesRelease(),
		}},
		{"growth straight to the size of a large first frame", 1 << 16, []bytesStep{
			bytesPut(5000), bytesCapIs(8192),
			bytesPeek(1, 1), bytesRelease(),
		}},
		{"drop oldest: exact frames and bytes", 1024, []bytesStep{
			bytesPutN(10, 100), bytesLen(1010),
			bytesPutDrop(100, oldest(1, 101)), // frames 2..11
			bytesPutDrop(500, oldest(5, 505)), // needs 488: drops 2..6
			bytesPeek(1<<20, 7, 8, 9, 10, 11, 12), bytesRelease(), bytesLen(0),
			bytesPutN(4, 100), bytesPut(300), // 404 + 302
			bytesPutDrop(1000, oldest(5, 706)), // drops everything
			bytesLen(1002),
			bytesPeek(1<<20, 18), bytesRelease(),
		}},
		{"drop oldest: mixed sizes drop whole frames", 600, []bytesStep{
			bytesPut(10), bytesPut(300), bytesPut(20), // 11 + 302 + 21 = 334
			bytesPutDrop(300, oldest(2, 313)), // needs 36: the first frame is not enough
			bytesLen(323),
			bytesPeek(1<<20, 3, 4), bytesRelease(),
		}},
		{"self drop while in flight", 512, []bytesStep{
			bytesPutN(4, 100), // 404 B
			bytesPeek(250, 1, 2),
			bytesPutDrop(200, self(202)), // would need the bytes in flight
			bytesPut(100),                // fits beside them: 505 B
			bytesLen(505),
			bytesRelease(),
			bytesPutDrop(300, oldest(1, 101)), // needs 93: drops 3
			bytesPeek(1<<20, 4, 6, 7), bytesRelease(),
		}},
		{"grow while in flight", 4096, []bytesStep{
			bytesPutN(4, 100), bytesCapIs(512),
			bytesPeek(1<<20, 1, 2, 3, 4),
			bytesPut(300), bytesCapIs(1024), // copies the bytes in flight too
			bytesPut(600), bytesCapIs(2048),
			bytesRelease(),
			bytesPeek(1<<20, 5, 6), bytesRelease(),
			bytesFree(true), bytesCapIs(0),
		}},
		{"frame larger than limit", 100, []bytesStep{
			bytesPut(99), bytesLen(100), // 100 B: fits exactly
			bytesPutDrop(100, self(101)),
			bytesPutDrop(1000, self(1002)),
			bytesLen(100),
			bytesPeek(1<<20, 1), bytesRelease(),
		}},
		{"tiny limit", 1, []bytesStep{
			bytesPut(0), bytesCapIs(1),
			bytesPutDrop(0, oldest(1, 1)),
			bytesPutDrop(1, self(2)),
			bytesPeek(1<<20, 2), bytesRelease(),
			bytesPut(0), bytesPeek(1<<20, 4), bytesRelease(),
		}},
		{"peek max", 4096, []bytesStep{
			bytesPutN(3, 100),
			bytesPeek(0, 1), bytesRelease(), // first frame alone
			bytesPeek(101, 2), bytesRelease(), // exactly one frame
			bytesPut(300),
			bytesPeek(50, 3), bytesRelease(), // larger than max: alone
			bytesPeek(-1, 4), bytesRelease(),
			bytesPutN(3, 100),
			bytesPeek(202, 5, 6), bytesRelease(),
			bytesPeek(1<<20, 7), bytesRelease(),
			bytesPeek(1 << 20), bytesRelease(), // empty
		}},
		{"zero-length payloads", 64, []bytesStep{
			bytesPutN(3, 0), bytesLen(3),
			bytesPeek(2, 1, 2), bytesRelease(),
			bytesPeek(2, 3), bytesRelease(),
		}},
		{"free: returns memory, ring reusable", 4096, []bytesStep{
			bytesFree(true), bytesCapIs(0),
			bytesPut(100), bytesCapIs(512),
			bytesFree(false),                      // not empty
			bytesPeek(1<<20, 1), bytesFree(false), // in flight
			bytesRelease(), bytesFree(true), bytesCapIs(0), bytesLen(0),
			bytesFree(true),
			bytesPut(100), bytesCapIs(512),
			bytesPeek(1<<20, 2), bytesRelease(),
			bytesPutN(20, 100), bytesCapIs(2048),
			bytesPeek(1<<20, bytesIDs(3, 22)...), bytesRelease(),
			bytesFree(true), bytesCapIs(0),
			bytesPut(100), bytesCapIs(512), // starts small again
			bytesPeek(1<<20, 23), bytesRelease(),
		}},
		{"discard", 1024, []bytesStep{
			bytesDiscard(Dropped{}),
			bytesPutN(5, 100),
			bytesDiscard(oldest(5, 505)), bytesLen(0),
			bytesPeek(1 << 20), bytesRelease(),
			bytesDiscard(Dropped{}),
			bytesFree(true),
		}},
		{"discard while in flight", 1024, []bytesStep{
			bytesPutN(5, 100),
			bytesPeek(250, 1, 2),
			bytesDiscard(oldest(3, 303)), bytesLen(0),
			bytesPut(100), bytesLen(101),
			bytesFree(false),
			bytesRelease(), bytesLen(101),
			bytesPeek(1<<20, 6), bytesRelease(),
			bytesFree(true),
		}},
		{"discard twice while in flight", 1024, []bytesStep{
			bytesPutN(5, 100),
			bytesPeek(250, 1, 2),
			bytesDiscard(oldest(3, 303)),
			bytesPutN(2, 100),
			bytesDiscard(oldest(2, 202)),
			bytesDiscard(Dropped{}),
			bytesPut(100),
			bytesRelease(),
			bytesPeek(1<<20, 8), bytesRelease(), bytesLen(0),
		}},
		{"discard with every frame in flight", 1024, []bytesStep{
			bytesPutN(2, 100),
			bytesPeek(1<<20, 1, 2),
			bytesDiscard(Dropped{}),
			bytesRelease(), bytesLen(0),
		}},
		{"discarded bytes keep their room until release", 512, []bytesStep{
			bytesPutN(4, 100), // 404 B
			bytesPeek(250, 1, 2),
			bytesDiscard(oldest(2, 202)),
			bytesPutDrop(300, self(302)), // the cut frames are not overwritten
			bytesPut(100),                // fits after them
			bytesRelease(), bytesLen(101),
			bytesPeek(1<<20, 6), bytesRelease(),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { bytesRun(t, c.limit, c.steps) })
	}
}

// The frame helpers must agree with encoding/binary for a frame starting at
// every position around the wrap, for one-, two- and three-byte headers.
func TestBytesFrameAtEveryWrapPosition(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 20000} {
		size := 1 << 15
		for start := size - 12; start <= size+1; start++ {
			t.Run(fmt.Sprintf("payload=%d/start=%d", n, start), func(t *testing.T) {
				p := make([]byte, size)
				payload := bytesPayload(n, n)
				bytesWrite(p, uint64(start), payload)
				want := binary.AppendUvarint(nil, uint64(n))
				want = append(want, payload...)
				if got := bytesFrameLen(p, uint64(start)); got != uint64(len(want)) {
					t.Fatalf("frame length %d, want %d", got, len(want))
				}
				if got := codec.HeaderLen(n); got != len(want)-n {
					t.Fatalf("header length %d, want %d", got, len(want)-n)
				}
				got := make([]byte, len(want))
				for i := range got {
					got[i] = p[(start+i)%size]
				}
				if !bytes.Equal(got, want) {
					t.Fatal("bytes written differ from encoding/binary's frame")
				}
			})
		}
	}
}

func TestBytesCopyRange(t *testing.T) {
	cases := []struct {
		name               string
		dst, src, from, to int
	}{
		{"grow, no wrap", 1024, 512, 100, 400},
		{"grow, source wraps", 1024, 512, 400, 900},
		{"grow, both wrap", 1024, 512, 900, 1400},
		{"same size", 512, 512, 500, 1000},
		{"empty", 1024, 512, 300, 300},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, dst := make([]byte, c.src), make([]byte, c.dst)
			for pos := c.from; pos < c.to; pos++ {
				src[pos%c.src] = byte(pos*13 + 1)
			}
			bytesCopyRange(dst, src, uint64(c.from), uint64(c.to))
			for pos := 0; pos < c.dst*2; pos++ {
				want := byte(0)
				if pos >= c.from && pos < c.to {
					want = byte(pos*13 + 1)
				} else if pos+c.dst >= c.from && pos+c.dst < c.to || pos-c.dst >= c.from && pos-c.dst < c.to {
					continue // another position with the same index
				}
				if got := dst[pos%c.dst]; got != want {
					t.Fatalf("position %d: %d, want %d", pos, got, want)
				}
			}
		})
	}
}
