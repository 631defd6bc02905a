//go:build !race

package backoff

import "testing"

func TestNextAllocs(t *testing.T) {
	var b Backoff
	if n := testing.AllocsPerRun(1000, func() { b.Next() }); n != 0 {
		t.Fatalf("Next: %v allocs per call, want 0", n)
	}
	var s Small
	if n := testing.AllocsPerRun(1000, func() { s.Next() }); n != 0 {
		t.Fatalf("Small.Next: %v allocs per call, want 0", n)
	}
}
