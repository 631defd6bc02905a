package ring

import (
	"bytes"
	"testing"
)

func TestBytesTryPeekAndUnpeek(t *testing.T) {
	b := NewBytes(1 << 10)
	b.Put([]byte("one"))
	b.Put([]byte("two"))
	first, _, busy := b.TryPeekBytes(0) // first frame alone
	if busy || string(first) != "\x03one" {
		t.Fatalf("TryPeekBytes = %q, busy %v", first, busy)
	}
	if f, s, busy := b.TryPeekBytes(0); !busy || f != nil || s != nil {
		t.Fatalf("second TryPeekBytes in flight = %q %q busy %v, want busy", f, s, busy)
	}
	if d := b.Unpeek(); d != (Dropped{}) {
		t.Fatalf("Unpeek dropped %+v", d)
	}
	if n := b.Len(); n != 8 {
		t.Fatalf("Len after Unpeek = %d, want 8", n)
	}
	first, second, busy := b.TryPeekBytes(1 << 10)
	if busy || string(first)+string(second) != "\x03one\x03two" {
		t.Fatalf("TryPeekBytes after Unpeek = %q %q busy %v", first, second, busy)
	}
	if n := b.Frames(); n != 2 {
		t.Fatalf("Frames = %d, want 2", n)
	}
	b.Release()
	if _, _, busy := b.TryPeekBytes(0); busy {
		t.Fatal("busy on an empty ring")
	}
	if d := b.Unpeek(); d != (Dropped{}) { // nothing taken: nothing to give back
		t.Fatalf("Unpeek without a Peek dropped %+v", d)
	}
}

// A Discard while frames are in flight (a stream closing under a consumer)
// means they cannot go back: Unpeek drops them and reports them.
func TestBytesUnpeekAfterDiscard(t *testing.T) {
	b := NewBytes(1 << 10)
	b.Put([]byte("one"))
	b.Put([]byte("two"))
	b.Put([]byte("three"))
	b.PeekBytes(4) // "one"
	if d := b.Discard(); d.Frames != 2 || d.Bytes != 10 {
		t.Fatalf("Discard = %+v, want 2 frames, 10 bytes", d)
	}
	if d := b.Unpeek(); d.Frames != 1 || d.Bytes != 4 {
		t.Fatalf("Unpeek = %+v, want 1 frame, 4 bytes", d)
	}
	if n := b.Len(); n != 0 {
		t.Fatalf("Len = %d, want 0", n)
	}
	b.Put([]byte("four"))
	first, _, busy := b.TryPeekBytes(1 << 10)
	if busy || string(first) != "\x04four" {
		t.Fatalf("after Unpeek: %q busy %v", first, busy)
	}
	b.Release()
}

// Peeked returns what the Peek in flight took, also after a Put grew the
// buffer and across the wrap.
func TestBytesPeeked(t *testing.T) {
	b := NewBytes(1 << 12)
	for i := range 5 { // 5 × 101 B: the next frames wrap the 512 B buffer
		b.Put(bytes.Repeat([]byte{byte(i)}, 100))
	}
	b.PeekBytes(1 << 12)
	b.Release()
	b.Put(bytes.Repeat([]byte{7}, 100))
	b.Put(bytes.Repeat([]byte{8}, 100))
	first, second := b.PeekBytes(1 << 12)
	if len(second) == 0 {
		t.Fatal("test setup: the Peek does not wrap")
	}
	want := string(first) + string(second)
	b.Put(bytes.Repeat([]byte{9}, 1000)) // grows the buffer under the Peek
	f2, s2 := b.Peeked()
	if got := string(f2) + string(s2); got != want {
		t.Fatalf("Peeked = %d bytes, differ from the Peek's %d", len(got), len(want))
	}
	b.Release()
	if f, s := b.Peeked(); f != nil || s != nil {
		t.Fatal("Peeked after Release returned bytes")
	}
}
