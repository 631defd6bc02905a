package ring

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// Scripted tests: each case runs a list of steps against one ring and checks
// every result. Puts are numbered from 1 in order (dropped ones included);
// payload id has a content pattern that depends on id and offset, so a frame
// read back proves both where it came from and that it is intact.

type bytesOp int

const (
	bytesOpPut     bytesOp = iota // count frames (default 1) of n bytes, each returning drop
	bytesOpPeek                   // Peek(n) returns the frames ids; split: the bytes wrap
	bytesOpRelease                // Release; the bytes taken must be intact
	bytesOpFree                   // Free returns ok
	bytesOpDiscard                // Discard returns drop
	bytesOpLen                    // Len returns n
	bytesOpCap                    // the buffer has n bytes (0: none)
)

type bytesStep struct {
	op    bytesOp
	n     int
	count int
	drop  Dropped
	ids   []int
	split bool
	ok    bool
}

func bytesPut(n int) bytesStep                { return bytesStep{op: bytesOpPut, n: n} }
func bytesPutN(count, n int) bytesStep        { return bytesStep{op: bytesOpPut, n: n, count: count} }
func bytesPutDrop(n int, d Dropped) bytesStep { return bytesStep{op: bytesOpPut, n: n, drop: d} }
func bytesPeek(max int, ids ...int) bytesStep { return bytesStep{op: bytesOpPeek, n: max, ids: ids} }
func bytesPeekSplit(max int, ids ...int) bytesStep {
	return bytesStep{op: bytesOpPeek, n: max, ids: ids, split: true}
}
func bytesRelease() bytesStep          { return bytesStep{op: bytesOpRelease} }
func bytesFree(ok bool) bytesStep      { return bytesStep{op: bytesOpFree, ok: ok} }
func bytesDiscard(d Dropped) bytesStep { return bytesStep{op: bytesOpDiscard, drop: d} }
func bytesLen(n int) bytesStep         { return bytesStep{op: bytesOpLen, n: n} }
func bytesCapIs(n int) bytesStep       { return bytesStep{op: bytesOpCap, n: n} }
func bytesIDs(from, to int) (ids []int) { // from..to inclusive
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

// bytesPayload returns payload number id of n bytes.
func bytesPayload(id, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(id*7 + i)
	}
	return p
}

// bytesCap returns the size of b's buffer, 0 when it holds none.
func bytesCap(b *Bytes) int {
	if p := b.buf.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// bytesParse splits the bytes taken by a Peek into payloads.
func bytesParse(t *testing.T, first, second []byte) [][]byte {
	t.Helper()
	all := append(append([]byte(nil), first...), second...)
	var out [][]byte
	for len(all) > 0 {
		n, k := binary.Uvarint(all)
		if k <= 0 || uint64(len(all)-k) < n {
			t.Fatalf("malformed frames after %d payloads: % x", len(out), all)
		}
		out = append(out, all[k:k+int(n)])
		all = all[k+int(n):]
	}
	return out
}

// bytesRun runs steps against a new ring of the given limit.
func bytesRun(t *testing.T, limit int, steps []bytesStep) {
	t.Helper()
	b := NewBytes(limit)
	var sizes []int // sizes[id-1]
	var first, second, saved []byte
	for i, s := range steps {
		at := fmt.Sprintf("step %d", i)
		switch s.op {
		case bytesOpPut:
			for range max(s.count, 1) {
				sizes = append(sizes, s.n)
				id := len(sizes)
				if got := b.Put(bytesPayload(id, s.n)); got != s.drop {
					t.Fatalf("%s: Put #%d (%d B) = %+v, want %+v", at, id, s.n, got, s.drop)
				}
			}
		case bytesOpPeek:
			var frames int
			first, second, frames = b.Peek(s.n)
			saved = append(append([]byte(nil), first...), second...)
			got := bytesParse(t, first, second)
			if frames != len(got) || frames != len(s.ids) {
				t.Fatalf("%s: Peek(%d) = %d frames (%d parsed), want ids %v", at, s.n, frames, len(got), s.ids)
			}
			if frames > 1 && len(saved) > s.n {
				t.Fatalf("%s: Peek(%d) took %d bytes in %d frames", at, s.n, len(saved), frames)
			}
			if s.split && (len(first) == 0 || len(second) == 0) {
				t.Fatalf("%s: Peek took %d+%d bytes, want both pieces", at, len(first), len(second))
			}
			for k, id := range s.ids {
				if want := bytesPayload(id, sizes[id-1]); !bytes.Equal(got[k], want) {
					t.Fatalf("%s: frame %d is not payload #%d:\n got % x\nwant % x", at, k, id, got[k], want)
				}
			}
		case bytesOpRelease:
			if now := append(append([]byte(nil), first...), second...); !bytes.Equal(now, saved) {
				t.Fatalf("%s: bytes in flight changed before Release", at)
			}
			b.Release()
			first, second, saved = nil, nil, nil
		case bytesOpFree:
			if got := b.Free(); got != s.ok {
				t.Fatalf("%s: Free = %v, want %v", at, got, s.ok)
			}
		case bytesOpDiscard:
			if got := b.Discard(); got != s.drop {
				t.Fatalf("%s: Discard = %+v, want %+v", at, got, s.drop)
			}
		case bytesOpLen:
			if got := b.Len(); got != s.n {
				t.Fatalf("%s: Len = %d, want %d", at, got, s.n)
			}
		case bytesOpCap:
			if got := bytesCap(b); got != s.n {
				t.Fatalf("%s: buffer = %d bytes, want %d", at, got, s.n)
			}
		}
		if l, c := b.Len(), bytesCap(b); l > limit || l > c {
			t.Fatalf("%s: Len %d exceeds limit %d or buffer %d", at, l, limit, c)
		}
	}
}
