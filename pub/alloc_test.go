//go:build !race

package pub

import (
	"sync/atomic"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

// Publish on an open stream allocates nothing, and neither does the flush
// path on the event loop (AllocsPerRun counts every goroutine's allocations).
func TestPublishAllocs(t *testing.T) {
	// The subscriber only counts: a handler that copies would be counted.
	var n atomic.Int64
	first := make(chan struct{})
	s := bindSub(t, nettest.TCPURL, sub.Options{Handler: func([]byte, sub.StreamDescriptor) {
		if n.Add(1) == 1 {
			close(first)
		}
	}})
	p := newPub(t, url(s), Options{NoDelay: true})
	payload := make([]byte, 100)
	p.Publish(bg, payload, "k")
	<-first
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

// A Publish on an idle stream, written directly by the publishing goroutine,
// allocates nothing either, nor does the subscriber receiving it.
func TestDirectWriteAllocs(t *testing.T) {
	got := make(chan struct{}, 1)
	s := bindSub(t, nettest.TCPURL, sub.Options{Handler: func([]byte, sub.StreamDescriptor) { got <- struct{}{} }})
	m, reg := nettest.NewMetrics(t)
	p := newPub(t, url(s), Options{NoDelay: true, Metrics: m})
	payload := make([]byte, 100)
	h := p.Stream("k")
	one := func() {
		h.Publish(payload)
		<-got // idle again before the next one
	}
	one()
	before := directWrites(t, reg, "")
	if n := testing.AllocsPerRun(500, one); n != 0 {
		t.Fatalf("%v allocations per directly written Publish", n)
	}
	if d := directWrites(t, reg, "") - before; d < 250 {
		t.Fatalf("%d of 501 messages written directly: the test did not exercise direct writes", d)
	}
}
