package pub

import (
	"encoding/binary"
	"testing"
)

// Frames a, b, c (10, 20, 30 payload bytes: 11, 21, 31 encoded) leave 40
// bytes with the reactor: the last 9 of b and all of c. gnet then writes
// them a few bytes at a time; each frame counts as sent when its last byte
// is written, and whatever is left at a close is what counts lost.
func TestUnsentProgress(t *testing.T) {
	var batch []byte
	for _, n := range []int{10, 20, 30} {
		batch = binary.AppendUvarint(batch, uint64(n))
		batch = append(batch, make([]byte, n)...)
	}
	var u unsent
	u.track(batch[:30], batch[30:], 40) // split across the wrap
	if u.frames != 2 || u.bytes != 52 || u.first != 9 {
		t.Fatalf("tracked %d frames, %d B, first %d left; want 2, 52, 9", u.frames, u.bytes, u.first)
	}
	steps := []struct{ ob, frames, bytes, left int }{
		{35, 0, 0, 2}, // 5 of b's 9
		{31, 1, 21, 1},
		{10, 0, 0, 1},
		{0, 1, 31, 0},
	}
	for _, st := range steps {
		f, b := u.progress(st.ob)
		if f != st.frames || b != st.bytes || u.frames != st.left {
			t.Fatalf("at ob %d: %d frames, %d B done, %d left; want %d, %d, %d", st.ob, f, b, u.frames, st.frames, st.bytes, st.left)
		}
	}
	u.track(batch, nil, 5) // c alone, again: a fresh batch after reset
	if u.frames != 1 || u.bytes != 31 || u.first != 5 {
		t.Fatalf("after reset: %d frames, %d B, first %d", u.frames, u.bytes, u.first)
	}
}
