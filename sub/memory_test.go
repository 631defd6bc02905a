//go:build !race

package sub

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleConnHeap: the heap an idle connection holds, once a frame went
// through it, stays a small constant: the conn and the reactor's Conn carry
// no per-connection state that only some connections use (PROXY header,
// output shadow). The dialing ends live in this process too; their heap is
// measured apart and taken off. (Before the PROXY and shadow state moved
// out: 887 B; after: about 735.)
func TestIdleConnHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 4000 descriptors")
	}
	const n = 2000
	var got atomic.Int64
	s := startSub(t, "tcp4://127.0.0.1:0", Options{
		Handler:          func([]byte, StreamDescriptor) { got.Add(1) },
		KeepaliveTimeout: time.Minute,
	})
	// The dialing ends' own heap, against a listener that closes what it
	// accepts (the dialing end stays as it is).
	plain, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dialAll := func(addr string) ([]net.Conn, int64) {
		before := heapInUse()
		cs := make([]net.Conn, 0, n)
		for range n {
			c, err := net.Dial("tcp4", addr)
			if err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		return cs, heapInUse() - before
	}
	calib, dialers := dialAll(plain.Addr().String())
	for _, c := range calib {
		c.Close()
	}

	before := heapInUse()
	cs, _ := dialAll(s.Addr().String())
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	msg := frame(make([]byte, 100))
	for _, c := range cs {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for got.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d frames delivered", got.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	per := (heapInUse() - before - dialers) / n
	t.Logf("heap per idle accepted connection: %d B (gnet's connection included; dialing ends %d B each, taken off)", per, dialers/n)
	if per > 800 {
		t.Fatalf("heap per idle connection %d B, want <= 800", per)
	}
}

func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
