//go:build !race

package ring

import (
	"context"
	"testing"
)

// Steady state on the receive path allocates nothing: Put and Publish on
// the loop, Get by the reader, with and without drops.
func TestQueueAllocs(t *testing.T) {
	payload := make([]byte, 100)
	buf := make([]byte, 128)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		limit int
		puts  int
		gets  int
	}{
		{"put+publish+get", 1 << 20, 64, 64},
		{"put dropping the oldest", 16 << 10, 1000, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := NewQueue(c.limit, 2)
			l := q.Lane(1)
			run := func() {
				for range c.puts {
					l.Put(3, payload)
				}
				l.Publish()
				for range c.gets {
					if _, _, err := q.Get(ctx, buf); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 100 {
				run() // grow to the steady size
			}
			if n := testing.AllocsPerRun(1000, run); n != 0 {
				t.Fatalf("%v allocations per run", n)
			}
		})
	}
}
