//go:build !race

package metrics

import (
	"testing"
	"time"
)

func TestStreamAllocs(t *testing.T) {
	m, _ := newTest(t)
	pub, sub := m.Pub("a:1"), m.Sub("a")
	pub.Lost(ShortBuffer, 1, 1) // resolve a lazy reason before measuring
	var nilStream *Addr
	tests := []struct {
		name string
		f    func()
	}{
		{"Transferred", func() { pub.Transferred(10, 1000) }},
		{"Lost eager", func() { pub.Lost(Overflow, 2, 200) }},
		{"Lost lazy resolved", func() { pub.Lost(ShortBuffer, 1, 100) }},
		{"Lost sub", func() { sub.Lost(QueueFull, 1, 100) }},
		{"Buffered", func() { pub.Buffered(64); pub.Buffered(-64) }},
		{"Opened Closed", func() { sub.Opened(); sub.Closed(3 * time.Second) }},
		{"Reconnected", func() { pub.Count(Reconnected) }},
		{"AcceptError", func() { sub.Count(AcceptError) }},
		{"nil Stream", func() { nilStream.Transferred(1, 1); nilStream.Lost(Overflow, 1, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Fatalf("%s: %v allocs per call, want 0", tt.name, n)
			}
		})
	}
}
