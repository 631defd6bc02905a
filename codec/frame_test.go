package codec

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func TestHeaderLen(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"zero", 0, 1},
		{"one", 1, 1},
		{"max 1-byte", 127, 1},
		{"min 2-byte", 128, 2},
		{"max 2-byte", 1<<14 - 1, 2},
		{"min 3-byte", 1 << 14, 3},
		{"max 3-byte", 1<<21 - 1, 3},
		{"min 4-byte", 1 << 21, 4},
		{"MaxPayload 10 MiB", 10 << 20, 4},
		{"max 4-byte", 1<<28 - 1, 4},
		{"min 5-byte", 1 << 28, 5},
		{"max 5-byte", 1<<35 - 1, 5},
		{"min 6-byte", 1 << 35, 6},
		{"MaxInt32", math.MaxInt32, 5},
		{"MaxInt", math.MaxInt, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HeaderLen(tc.n); got != tc.want {
				t.Fatalf("HeaderLen(%d) = %d, want %d", tc.n, got, tc.want)
			}
			ref := uvarintOf(uint64(tc.n))
			if len(ref) != tc.want {
				t.Fatalf("table wrong: encoding/binary uses %d bytes for %d", len(ref), tc.n)
			}
			var buf [MaxHeaderLen + 1]byte
			buf[len(ref)] = 0xEE // sentinel: PutHeader must not write past the header
			k := PutHeader(buf[:], tc.n)
			if k != len(ref) || !bytes.Equal(buf[:k], ref) || buf[len(ref)] != 0xEE {
				t.Fatalf("PutHeader(%d) wrote % x (k=%d), want % x", tc.n, buf[:k+1], k, ref)
			}
		})
	}
}

func TestHeaderLenNegativePanics(t *testing.T) {
	tests := []struct {
		name string
		call func()
	}{
		{"HeaderLen", func() { HeaderLen(-1) }},
		{"PutHeader", func() { PutHeader(make([]byte, MaxHeaderLen), -1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic for a negative length")
				}
			}()
			tc.call()
		})
	}
}

func TestAppendFrame(t *testing.T) {
	for _, size := range []int{0, 1, 127, 128, 16383, 16384, 1 << 20} {
		payload := pattern(size, 1)
		want := append(uvarintOf(uint64(size)), payload...)
		t.Run(sizeName(size)+"/nil dst", func(t *testing.T) {
			got := AppendFrame(nil, payload)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendFrame(nil, %d bytes) differs from encoding/binary", size)
			}
		})
		t.Run(sizeName(size)+"/after prefix", func(t *testing.T) {
			prefix := []byte("abc")
			got := AppendFrame(prefix, payload)
			if !bytes.Equal(got[:3], prefix) || !bytes.Equal(got[3:], want) {
				t.Fatal("AppendFrame changed dst's bytes or wrote the wrong frame")
			}
		})
		t.Run(sizeName(size)+"/in place", func(t *testing.T) {
			dst := make([]byte, 2, 2+len(want))
			got := AppendFrame(dst, payload)
			if &got[0] != &dst[0] {
				t.Fatal("AppendFrame reallocated although dst had capacity")
			}
			if !bytes.Equal(got[2:], want) {
				t.Fatal("wrong frame")
			}
		})
	}
}

// TestWireInterop decodes AppendFrame's output with encoding/binary's stream
// reader, as a peer speaking the original protocol would.
func TestWireInterop(t *testing.T) {
	sizes := []int{0, 1, 127, 128, 300, 16383, 16384, 70000}
	var stream []byte
	for i, size := range sizes {
		stream = AppendFrame(stream, pattern(size, i))
	}
	r := bytes.NewReader(stream)
	for i, size := range sizes {
		l, err := binary.ReadUvarint(r)
		if err != nil || l != uint64(size) {
			t.Fatalf("frame %d: ReadUvarint = %d, %v; want %d", i, l, err, size)
		}
		got := make([]byte, l)
		if _, err := r.Read(got); err != nil && size > 0 {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, pattern(size, i)) {
			t.Fatalf("frame %d: payload differs", i)
		}
	}
	if r.Len() != 0 {
		t.Fatalf("%d bytes left over", r.Len())
	}
}
