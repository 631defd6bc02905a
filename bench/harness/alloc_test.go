//go:build !race

package harness

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestRecordZeroAlloc(t *testing.T) {
	r := NewRecorder()
	p := stampedAgo(time.Millisecond, 100)
	cfg := &Config{SizeMin: 8, SizeMax: 200}
	rnd := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, 200)
	tests := []struct {
		name string
		f    func()
	}{
		{"Record", func() { r.Record(p) }},
		{"RecordStream", func() { r.RecordStream(p, 3) }},
		{"Payload", func() { Payload(cfg, rnd, buf) }},
		{"Snapshot", func() { r.Snapshot() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Fatalf("%s allocates %v times", tt.name, n)
			}
		})
	}
}
