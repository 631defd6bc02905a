package pub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

func TestKeepaliveClosesIdleStream(t *testing.T) {
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{KeepaliveTimeout: 100 * time.Millisecond})
	p.Publish(bg, []byte("a"), "k")
	c1 := accept(t, conns)
	br := bufio.NewReader(c1)
	if _, err := readFrame(br); err != nil {
		t.Fatal(err)
	}
	if _, err := readFrame(br); err == nil {
		t.Fatal("idle stream not closed")
	}
	if p.streams.load("k") != nil {
		t.Fatal("idle stream still in the table")
	}
	p.Publish(bg, []byte("b"), "k") // reopens
	got, err := readFrame(bufio.NewReader(accept(t, conns)))
	if err != nil || string(got) != "b" {
		t.Fatalf("reopened stream: %q, %v", got, err)
	}
}

// After WriteTimeout the stalled connection is reset, not closed (#11,
// finding 9): what its kernel still held is discarded instead of arriving
// after the new connection's frames, and those bytes are reported as an
// upper bound (Linux).
func TestWriteTimeoutRedials(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{WriteTimeout: 200 * time.Millisecond, MaxBuffer: 4 << 20, MaxPayload: 64 << 10, Metrics: m})
	payload := make([]byte, 60000)
	p.Publish(bg, payload, "k")
	old := accept(t, conns) // not read until the redial: output stalls
	for range 500 {         // 30 MB: more than the socket buffers hold
		p.Publish(bg, payload, "k")
	}
	accept(t, conns) // the stalled connection was reset and redialed
	nettest.WaitSum(t, reg, "nanoq_pub_reconnects_total", "", 1)
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "disconnected"); lost == 0 {
		t.Fatal("what the closed connection held was not counted lost")
	}
	// The old connection ends with a reset, after at most what the
	// receiving kernel had already taken.
	old.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, old); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("old connection ended with %v, want a reset", err)
	}
	if runtime.GOOS == "linux" {
		if n := nettest.Sum(t, reg, "nanoq_pub_unacked_bytes_total", ""); n <= 0 {
			t.Fatalf("unacked bytes %v at a reset, want > 0", n)
		}
	}
}

func TestCloseDrains(t *testing.T) {
	r := newReceived()
	s := startSub(t, nettest.TCPURL, r)
	p, err := New(url(s), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50000
	for i := range n {
		p.Publish(bg, []byte(fmt.Sprint(i)), i%3)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	r.Wait(t, n)
}

func TestStreamHandle(t *testing.T) {
	r, p := loopback(t, Options{})
	h := p.Stream("hot")
	for i := range 1000 {
		if err := h.Publish([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	r.Wait(t, 1000)
	if got := r.Snapshot(); len(got) != 1 {
		t.Fatalf("%d streams, want 1", len(got))
	}
}

// Buffered counts a stream's frames, prefixes included, until they leave.
func TestStreamBuffered(t *testing.T) {
	path := nettest.UnixPath(t)
	p := newPub(t, "unix://"+path, Options{})
	h := p.Stream("k")
	if n := h.Buffered(); n != 0 {
		t.Fatalf("Buffered = %d before any Publish, want 0", n)
	}
	for range 3 {
		if err := h.Publish(make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.Buffered(); n != 33 { // nothing listens yet: all three wait
		t.Fatalf("Buffered = %d with no subscriber, want 3 x 11 = 33", n)
	}
	r := newReceived()
	startSub(t, "unix://"+path, r)
	r.Wait(t, 3)
	deadline := time.Now().Add(10 * time.Second)
	for h.Buffered() != 0 { // the loop releases the ring after its write returns
		if time.Now().After(deadline) {
			t.Fatalf("Buffered = %d after delivery, want 0", h.Buffered())
		}
		time.Sleep(time.Millisecond)
	}
}

// In bandwidth mode a write error closes a connection while the loop walks
// its connections; the walk must survive the removal (it used to index a
// nil slot). The peer resets connections while 20 streams on one loop
// publish.
func TestFlushFrequencyWriteErrors(t *testing.T) {
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{FlushFrequency: time.Millisecond, EventLoops: 1})
	payload := make([]byte, 1000)
	const streams = 20
	for k := range streams {
		p.Publish(bg, payload, k)
	}
	for range streams {
		c := accept(t, conns).(*net.TCPConn)
		c.SetLinger(0) // Close sends RST: the publisher's next write fails
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for k := range streams {
			p.Publish(bg, payload, k)
		}
		select {
		case c := <-conns: // redialed: reset again
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		default:
		}
	}
}

// Streams closed as idle while publishers come back to their keys: every
// message Publish accepted is delivered or counted lost, never dropped
// silently (a stream used to be finalized while a Put was in progress).
func TestIdleCloseAccounting(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	r := newReceived()
	s := startSub(t, nettest.TCPURL, r)
	p, err := New(url(s), Options{KeepaliveTimeout: 20 * time.Millisecond, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 40 {
				for range 50 {
					if p.Publish(bg, []byte("x"), (g+round)%3) == nil {
						accepted.Add(1)
					}
				}
				time.Sleep(time.Duration(15+g*5) * time.Millisecond) // around the keepalive
			}
		})
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := accepted.Load()
	deadline := time.Now().Add(20 * time.Second)
	for {
		lost := int64(nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", ""))
		got := int64(r.Count())
		if got+lost == want {
			return
		}
		if got+lost > want || time.Now().After(deadline) {
			t.Fatalf("accepted %d, delivered %d, counted lost %d", want, got, lost)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The sweep frees the ring of a stream with nothing published for two
// sweep periods, and leaves a busy stream's grown ring alone even when it
// finds it empty (freeing it would make the stream grow a ring again).
func TestSweepFreesOnlyIdleRings(t *testing.T) {
	r := newReceived()
	s := startSub(t, nettest.TCPURL, r)
	// KeepaliveTimeout 2 s: a sweep every 250 ms, idle rings freed after 500 ms.
	p := newPub(t, url(s), Options{KeepaliveTimeout: 2 * time.Second})
	busy, idle := p.Stream("busy"), p.Stream("idle")
	if err := idle.Publish([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := busy.Publish(make([]byte, 3000)); err != nil { // grows its ring to 4 KiB
		t.Fatal(err)
	}
	r.Wait(t, 2)
	ring := func(h *Stream) int { return h.s.Load().ring.Cap() }
	if c := ring(busy); c < 4096 {
		t.Fatalf("busy ring is %d B, want >= 4096", c)
	}
	deadline := time.Now().Add(10 * time.Second)
	sent := 2
	for ring(idle) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("idle stream still holds a %d B ring", ring(idle))
		}
		if err := busy.Publish([]byte("y")); err != nil {
			t.Fatal(err)
		}
		sent++
		time.Sleep(5 * time.Millisecond)
	}
	// Sweeps ran and found the busy ring empty between publishes (each
	// small message leaves at once), yet kept it.
	if c := ring(busy); c < 4096 {
		t.Fatalf("busy ring is %d B after the sweeps, want its 4096 B kept", c)
	}
	r.Wait(t, sent)
}
