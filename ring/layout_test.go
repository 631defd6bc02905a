package ring

import (
	"testing"
	"unsafe"
)

// TestBytesLayout: on 64-bit platforms the consumer's fields fill the first
// cache line of a Bytes and the producers' start on the second, and the
// whole is 192 B, a size class whose objects the allocator places on 64 B
// boundaries (see the pad in Bytes). A field added on either side moves
// these: then resize the pad.
func TestBytesLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout sized for 64-bit platforms")
	}
	var b Bytes
	if off := unsafe.Offsetof(b.peekFrames) + unsafe.Sizeof(b.peekFrames); off != 48 {
		t.Errorf("consumer fields end at %d B, want 48 (the pad's complement)", off)
	}
	if off := unsafe.Offsetof(b.tail); off != cacheLine {
		t.Errorf("producer side starts at %d B, want %d", off, cacheLine)
	}
	if size := unsafe.Sizeof(b); size != 192 {
		t.Errorf("Bytes is %d B, want 192", size)
	}
	// The allocator's placement: every ring of a batch on a line boundary
	// (kept in layoutSink, so that they are on the heap, not the stack).
	layoutSink = make([]*Bytes, 1000)
	for i := range layoutSink {
		layoutSink[i] = NewBytes(1 << 10)
		if p := uintptr(unsafe.Pointer(layoutSink[i])); p%cacheLine != 0 {
			t.Fatalf("a ring at %#x, not on a %d B boundary", p, cacheLine)
		}
	}
	layoutSink = nil
}

var layoutSink []*Bytes
