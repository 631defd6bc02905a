package sub

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// Peers that each hold a large partial frame share one budget (#11,
// finding 2): 40 peers start 900 KiB frames under a 4 MiB PendingBytes
// (the default for a 1 MiB MaxPayload) and never finish them. The budget
// holds, the connections over it are closed and their frames counted
// truncated, and a well-behaved stream keeps flowing.
func TestPendingBudget(t *testing.T) {
	const peers, size = 40, 900 << 10
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Metrics: m, MaxPayload: 1 << 20, Handler: col.Handle})
	if s.opts.PendingBytes != 4<<20 {
		t.Fatalf("default PendingBytes %d, want 4 MiB", s.opts.PendingBytes)
	}
	part := frame(pattern(1, size))[:size-1] // all but the last byte
	for range peers {
		c := dial(t, s)
		go c.Write(part) // a closed connection fails the write: fine
	}
	nettest.WaitSum(t, reg, "nanoq_sub_lost_messages_total", "truncated", peers-4)
	if h := s.pendingHeld.Load(); h > int64(s.opts.PendingBytes) {
		t.Fatalf("partial frames hold %d bytes, over PendingBytes %d", h, s.opts.PendingBytes)
	}
	good := dial(t, s)
	for i := range 100 {
		good.Write(frame(pattern(i, 100)))
	}
	col.Wait(t, 100)
	if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "truncated"); n > peers-1 {
		t.Fatalf("%v frames truncated: the budget should hold some", n)
	}
}

// A frame that stops arriving is cut after FrameTimeout, even when
// KeepaliveTimeout is off (#11, finding 2).
func TestFrameTimeout(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Metrics: m, FrameTimeout: 100 * time.Millisecond})
	c := dial(t, s)
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], 1000)
	c.Write(append(hdr[:n], pattern(1, 500)...)) // half a frame, then silence
	start := time.Now()
	waitEOF(t, c, 10*time.Second)
	// The clock the sweep reads is coarse (a quarter of FrameTimeout).
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("closed after %v, well before FrameTimeout", d)
	}
	nettest.WaitSum(t, reg, "nanoq_sub_lost_messages_total", "truncated", 1)
	if h := s.pendingHeld.Load(); h != 0 {
		t.Fatalf("%d bytes of budget still held after the close", h)
	}
}

// Small partial frames do not count against PendingBytes: with MaxPayload
// 100 B (PendingBytes 512 B), 50 connections each inside a frame at once
// all stay open, and their frames complete.
func TestPendingSmallFramesFree(t *testing.T) {
	const conns = 50
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Metrics: m, MaxPayload: 100, Handler: col.Handle})
	f := frame(pattern(1, 100))
	var cs []net.Conn
	for range conns {
		c := dial(t, s)
		c.Write(f[:50]) // half a frame
		cs = append(cs, c)
	}
	// Each connection's half frame is held before any completes: wait
	// for the last one to be accepted and read.
	deadline := time.Now().Add(10 * time.Second)
	for nettest.Sum(t, reg, "nanoq_sub_streams", "") < conns {
		if time.Now().After(deadline) {
			t.Fatal("connections not open")
		}
		time.Sleep(time.Millisecond)
	}
	for _, c := range cs {
		c.Write(f[50:])
	}
	col.Wait(t, conns)
	if lost := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("%v lost", lost)
	}
}
