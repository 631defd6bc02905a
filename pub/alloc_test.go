//go:build !race

package pub

import (
	"testing"

	"github.com/nanoq/nq/internal/nettest"
)

// Publish on an open stream allocates nothing, and neither does the flush
// path on the event loop (AllocsPerRun counts every goroutine's allocations).
func TestPublishAllocs(t *testing.T) {
	r := newReceived()
	s := startSub(t, nettest.TCPURL, r)
	p := newPub(t, url(s), Options{NoDelay: true})
	payload := make([]byte, 100)
	p.Publish(bg, payload, "k")
	r.wait(t, 1)
	h := p.Stream("k")
	h.Publish(payload)
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"Publish", func() { p.Publish(bg, payload, "k") }},
		{"Publish/int key", func() { p.Publish(bg, payload, 7) }},
		{"Stream.Publish", func() { h.Publish(payload) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn() // opens the stream of a new key
			if n := testing.AllocsPerRun(10000, tc.fn); n != 0 {
				t.Fatalf("%v allocations per Publish", n)
			}
		})
	}
}
