package sub

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// rawDrainingPeer writes frames until it reads end of file (the
// subscriber's FIN), then closes: a raw peer, or the original nanoQ, that
// knows nothing of draining but stops writing to a closed socket. It
// reports the frames it wrote.
func rawDrainingPeer(t *testing.T, s *Subscriber, out chan<- int) {
	c := dial(t, s)
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c) // returns at the FIN
		close(eof)
	}()
	n := 0
	f := frame(pattern(1, 100))
	for {
		select {
		case <-eof:
			c.(*net.TCPConn).CloseWrite()
			out <- n
			return
		default:
		}
		if _, err := c.Write(f); err != nil {
			out <- n
			return
		}
		n++
		if n%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// TestDrainRawPeers: Drain with raw peers that stop at the FIN: every
// frame they wrote is delivered, the address can be bound again while the
// drain runs, and Receive returns the queued messages, then ErrClosed.
func TestDrainRawPeers(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Metrics: m})
	const peers = 5
	wrote := make(chan int, peers)
	for range peers {
		go rawDrainingPeer(t, s, wrote)
	}
	nettest.WaitSum(t, reg, "nanoq_sub_streams", "", peers)
	time.Sleep(20 * time.Millisecond) // some traffic first
	ln, err := net.Listen("tcp4", s.Addr().String())
	if err == nil {
		t.Fatal("the address is free before Drain")
	}
	if err := s.Drain(context.Background()); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if ln, err = net.Listen("tcp4", s.Addr().String()); err != nil {
		t.Fatalf("the address is not free after Drain: %v", err)
	}
	ln.Close()
	total := 0
	for range peers {
		total += <-wrote
	}
	received := 0
	buf := make([]byte, 100)
	for {
		_, _, err := s.Receive(context.Background(), buf)
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("Receive after Drain: %v", err)
			}
			break
		}
		received++
	}
	lost := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "")
	if received != total || lost != 0 {
		t.Fatalf("peers wrote %d, received %d, lost %v", total, received, lost)
	}
	if n := nettest.Sum(t, reg, "nanoq_sub_drained_total", ""); n != peers {
		t.Fatalf("drained %v connections, want %d", n, peers)
	}
	if err := s.Drain(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Drain: %v, want ErrClosed", err)
	}
}

// TestDrainCutShort: a peer that never closes its side holds the drain
// until ctx ends; Drain returns ctx's error and the connection closes.
func TestDrainCutShort(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Handler: func([]byte, StreamDescriptor) {}, Metrics: m})
	c := dial(t, s)
	if _, err := c.Write(frame([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	nettest.WaitSum(t, reg, "nanoq_sub_messages_total", "", 1)
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(io.Discard, c) }) // reads the FIN, never closes
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Drain: %v, want DeadlineExceeded", err)
	}
	c.Close()
	wg.Wait()
}

// TestReusePortSuccessor: with ReusePort a successor binds the address
// while its predecessor still serves; once the predecessor drained, every
// new connection reaches the successor.
func TestReusePortSuccessor(t *testing.T) {
	old := newCollector()
	a := startSub(t, nettest.TCPURL, Options{Handler: old.Handle, ReusePort: true})
	url := "tcp4://" + a.Addr().String()
	if _, err := New(url, Options{}); err != nil {
		t.Fatal(err)
	}
	if s, _ := New(url, Options{}); s.Bind() == nil {
		s.Close()
		t.Fatal("a subscriber without ReusePort bound the address too")
	}
	next := newCollector()
	b := startSub(t, url, Options{Handler: next.Handle, ReusePort: true})
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		c := dial(t, b)
		c.Write(frame(pattern(i, 10)))
		c.Close()
	}
	next.Wait(t, 20)
}

// TestURL: the bound address as a URL that a publisher dials.
func TestURL(t *testing.T) {
	s, err := New("tcp4://127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u := s.URL(); u != "" {
		t.Fatalf("URL before Bind = %q, want empty", u)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	if want := "tcp4://" + s.Addr().String(); s.URL() != want || strings.HasSuffix(want, ":0") {
		t.Fatalf("URL = %q, want %q with the real port", s.URL(), want)
	}
	path := nettest.UnixPath(t)
	us := startSub(t, "unix://"+path, Options{})
	if want := "unix://" + path; us.URL() != want {
		t.Fatalf("URL = %q, want %q", us.URL(), want)
	}
}

// drainSpan dials n peers that close their side at the subscriber's FIN,
// drains, and returns how far apart the first and last FIN
// arrived.
func drainSpan(t *testing.T, loops, n int) time.Duration {
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Handler: func([]byte, StreamDescriptor) {}, Metrics: m, EventLoops: loops})
	at := make(chan time.Time, n)
	for range n {
		c := dial(t, s)
		go func() {
			io.Copy(io.Discard, c) // until the FIN
			at <- time.Now()
			c.(*net.TCPConn).CloseWrite()
		}()
	}
	nettest.WaitSum(t, reg, "nanoq_sub_streams", "", float64(n))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a FIN never sent fails, not hangs
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	var first, last time.Time
	for range n {
		a := <-at
		if first.IsZero() || a.Before(first) {
			first = a
		}
		if a.After(last) {
			last = a
		}
	}
	return last.Sub(first)
}

// TestDrainSpreadsFINs: a loop sends its FINs drainGap apart, not at once
// (each costs the publisher a dial and the successor an accept).
func TestDrainSpreadsFINs(t *testing.T) {
	const loops, n = 2, 40 // each loop: 20 connections, 38 ms at drainGap
	want := time.Duration(n/loops-1) * drainGap
	if span := drainSpan(t, loops, n); span < want*3/4 {
		t.Errorf("FINs %v apart, want about %v (drainGap %v per loop)", span, want, drainGap)
	}
}

// TestDrainSpreadBound: the FINs go out within a quarter of the time the
// Drain's ctx leaves (else a ctx a little longer than the spread would cut
// the drain short), evenly, and all at once when no time is left.
func TestDrainSpreadBound(t *testing.T) {
	if got := spreadBound(context.Background()); got != drainSpreadMax {
		t.Errorf("spreadBound without a deadline: %v, want %v", got, drainSpreadMax)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if got := spreadBound(ctx); got > 50*time.Millisecond || got < 40*time.Millisecond {
		t.Errorf("spreadBound with 200 ms left: %v, want 50 ms", got)
	}
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if got := spreadBound(past); got > 0 {
		t.Errorf("spreadBound after the deadline: %v, want <= 0", got)
	}
	ms := int64(time.Millisecond)
	for _, c := range []struct {
		n          int
		spread, el int64
		want       int
		what       string
	}{
		{10, 20 * ms, 0, 1, "the first at once"},
		{10, 20 * ms, 2*ms - 1, 1, "the second not before 2 ms"},
		{10, 20 * ms, 2 * ms, 2, "the second at 2 ms"},
		{10, 20 * ms, 19 * ms, 10, "the last at 18 ms"},
		{10, 20 * ms, 25 * ms, 10, "all once the spread passed"},
		{10, -ms, 0, 10, "all at once without time left"},
		{0, 0, 0, 0, "none"},
	} {
		if got := finsDue(c.n, c.spread, c.el); got != c.want {
			t.Errorf("finsDue(%d, %d, %d) = %d, want %d (%s)", c.n, c.spread, c.el, got, c.want, c.what)
		}
	}
}
