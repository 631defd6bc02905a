//go:build !race

package pub

import (
	"runtime"
	"testing"
	"time"
)

// An idle connected stream gives its ring back and keeps no reference into
// it: the heap per idle stream stays a small constant. (The link's iovec
// used to keep every freed ring reachable: 2,460 B per stream instead of
// about 1,950 B, this process's accepted ends included. Timestamps as
// int64, the unsent tracker and LingerFIN's shadow allocated only when the
// reactor first holds output, and no per-link close task took it from
// about 2,100 to 1,800 B; the stream table instead of a sync.Map, the
// ring at 192 B, the stream at 144, the link at 128 and one gauge per
// address to 1,160–1,510 B.)
func TestIdleStreamHeap(t *testing.T) {
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	go func() { // hold the accepted ends open; rawListener closes them
		for c := range conns {
			defer c.Close()
		}
	}()
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{KeepaliveTimeout: time.Minute})
	const n = 2000
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m0)
	payload := make([]byte, 100)
	for i := range n {
		p.Publish(bg, payload, i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		freed := 0
		p.streams.each(func(s *stream) bool {
			if s.link.Load() != nil && s.ring.Len() == 0 && s.ring.Free() {
				freed++
			}
			return true
		})
		if freed == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d streams connected and drained", freed, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	perStream := (int64(m1.HeapAlloc) - int64(m0.HeapAlloc)) / n
	t.Logf("heap per idle stream: %d B (gnet's connection and the accepted end included)", perStream)
	if perStream > 1650 {
		t.Fatalf("heap per idle stream %d B, want <= 1650", perStream)
	}
}
