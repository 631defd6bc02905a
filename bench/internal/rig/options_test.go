package rig

import "testing"

func TestAutoMaxBuffer(t *testing.T) {
	for _, c := range []struct{ streams, want int }{
		{0, DefaultMaxBuffer},
		{1, DefaultMaxBuffer},
		{16, DefaultMaxBuffer},
		{17, 2 << 20},     // 3.8 MiB: rounded down
		{100, 512 << 10},  // 655,360 B: not a power of two
		{1000, 64 << 10},  // 67,108 B
		{10000, 64 << 10}, // below MinMaxBuffer
		{1 << 30, MinMaxBuffer},
	} {
		got := autoMaxBuffer(c.streams)
		if got != c.want {
			t.Errorf("autoMaxBuffer(%d) = %d, want %d", c.streams, got, c.want)
		}
		if got&(got-1) != 0 || got*max(c.streams, 1) > TotalBuffer && got > MinMaxBuffer {
			t.Errorf("autoMaxBuffer(%d) = %d: not a power of two, or the shares exceed TotalBuffer", c.streams, got)
		}
	}
}
