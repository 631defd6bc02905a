//go:build !race

package bufpool

import "testing"

// The race detector makes sync.Pool drop items at random: no alloc counts there.
func TestAllocs(t *testing.T) {
	Put(Get(4096))
	if n := testing.AllocsPerRun(100, func() { Put(Get(4096)) }); n != 0 {
		t.Fatalf("%v allocations per Get and Put", n)
	}
}
