//go:build !race

package sub

import (
	"context"
	"testing"

	"github.com/nanoq/nq/ring"
)

func frames(n, size int) []byte {
	var b []byte
	for i := range n {
		b = append(b, frame(pattern(i, size))...)
	}
	return b
}

func TestHandlerPathAllocs(t *testing.T) {
	var n int
	c := feedConn(1<<20, func(p []byte, _ StreamDescriptor) { n++ })
	buf := frames(100, 100)
	cut := len(buf)/2 + 7 // inside a frame: exercises the pending path
	allocs := testing.AllocsPerRun(1000, func() {
		c.feed(buf[:cut])
		c.feed(buf[cut:])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per 100 messages", allocs)
	}
	if n == 0 {
		t.Fatal("nothing delivered")
	}
}

func TestReceivePathAllocs(t *testing.T) {
	s := &Subscriber{opts: Options{MaxPayload: 1 << 20}, queue: ring.NewQueue(1<<20, 1)}
	c := &conn{s: s, lane: s.queue.Lane(0), ls: &loopState{}}
	buf := frames(100, 100)
	out := make([]byte, 4096)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		c.feed(buf)
		c.lane.Publish()
		for range 100 {
			if _, _, err := s.Receive(ctx, out); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per 100 messages", allocs)
	}
}
