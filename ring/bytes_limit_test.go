package ring

import "testing"

// SetLimit lowers and raises the bound: content above a lower limit goes,
// oldest first, at the next Put; while frames are in flight the new frame
// goes instead; the limit never rises above NewBytes's.
func TestBytesSetLimit(t *testing.T) {
	b := NewBytes(1000)
	frame := make([]byte, 99) // 100 encoded bytes
	for range 10 {
		if d, _ := b.TryPut(frame); d.Frames != 0 {
			t.Fatalf("put within the limit dropped %+v", d)
		}
	}
	b.SetLimit(450)
	if b.Len() != 1000 {
		t.Fatalf("SetLimit alone moved the content to %d B", b.Len())
	}
	d, _ := b.TryPut(frame)
	if d.Frames != 7 || d.Bytes != 700 || d.Incoming || b.Len() != 400 {
		t.Fatalf("put after SetLimit(450): dropped %+v, %d B left, want 7 oldest frames and 400 B", d, b.Len())
	}

	first, _, _ := b.TryPeekBytes(0) // one frame in flight
	if len(first) != 100 {
		t.Fatalf("peeked %d B", len(first))
	}
	b.SetLimit(300)
	if d, _ := b.TryPut(frame); d.Frames != 1 || !d.Incoming || b.Len() != 400 {
		t.Fatalf("put over a lower limit with frames in flight: %+v, %d B", d, b.Len())
	}
	b.Release() // 300 B left

	b.SetLimit(1 << 20) // clamped to 1000
	for range 7 {
		if d, _ := b.TryPut(frame); d.Frames != 0 {
			t.Fatalf("put after raising the limit dropped %+v at %d B", d, b.Len())
		}
	}
	if d, _ := b.TryPut(frame); d.Frames != 1 || d.Incoming || b.Len() != 1000 {
		t.Fatalf("put past NewBytes's limit: %+v, %d B; want the oldest dropped, 1000 B", d, b.Len())
	}
	b.SetLimit(0) // clamped to 1: only frames of one byte fit
	if d, _ := b.TryPut(frame); !d.Incoming {
		t.Fatalf("put over a limit of 1 B: %+v", d)
	}
}
