package reactor

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }

// failAfter bounds waits that only a bug would make long: it is a failure
// detector, never a synchronization.
const failAfter = 10 * time.Second

// recorder is a Handler that records its events for the test goroutine.
type recorder struct {
	mu     sync.Mutex
	events []string // "open", "data", "close"
	data   []byte
	err    error // OnClose's err

	opened  chan struct{} // closed by OnOpen
	closed  chan struct{} // closed by OnClose
	gotData chan struct{} // cap 1: a signal after each OnData

	onOpen func(c *Conn)              // optional, runs on the loop
	onData func(c *Conn, data []byte) // optional, runs on the loop
}

func newRecorder() *recorder {
	return &recorder{
		opened:  make(chan struct{}),
		closed:  make(chan struct{}),
		gotData: make(chan struct{}, 1),
	}
}

func (r *recorder) OnOpen(c *Conn) {
	r.mu.Lock()
	r.events = append(r.events, "open")
	r.mu.Unlock()
	close(r.opened)
	if r.onOpen != nil {
		r.onOpen(c)
	}
}

func (r *recorder) OnData(c *Conn, data []byte) {
	r.mu.Lock()
	if n := len(r.events); n == 0 || r.events[n-1] != "data" {
		r.events = append(r.events, "data")
	}
	r.data = append(r.data, data...)
	r.mu.Unlock()
	if r.onData != nil {
		r.onData(c, data)
	}
	select {
	case r.gotData <- struct{}{}:
	default:
	}
}

func (r *recorder) OnClose(c *Conn, err error) {
	if c.IsOpen() {
		panic("OnClose on an open Conn")
	}
	r.mu.Lock()
	r.events = append(r.events, "close")
	r.err = err
	r.mu.Unlock()
	close(r.closed)
}

// waitData waits until the recorder holds at least n bytes and returns them.
func (r *recorder) waitData(t *testing.T, n int) []byte {
	t.Helper()
	deadline := time.After(failAfter)
	for {
		r.mu.Lock()
		got := append([]byte(nil), r.data...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.gotData:
		case <-deadline:
			t.Fatalf("timed out waiting for %d bytes, have %d", n, len(got))
		}
	}
}

func (r *recorder) waitClosed(t *testing.T) error {
	t.Helper()
	wait(t, r.closed, "OnClose")
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *recorder) eventLog() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// wait fails the test if ch is not closed (or sent on) in time.
func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failAfter):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// startReactor starts a reactor that the test closes at cleanup.
func startReactor(t testing.TB, cfg Config) *Reactor {
	t.Helper()
	r, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// startLoop starts a one-loop reactor that the test closes at cleanup and
// returns its loop.
func startLoop(t testing.TB) *Loop {
	t.Helper()
	return startReactor(t, Config{Loops: 1}).Loop(0)
}

// enrollTCP starts a one-loop reactor and enrolls, with a recorder, the
// accepted side of a loopback TCP pair; peer is the dialed side.
func enrollTCP(t *testing.T) (c *Conn, rec *recorder, peer net.Conn) {
	t.Helper()
	r := startReactor(t, Config{Loops: 1})
	peer, accepted := connPair(t, listen(t, "tcp"))
	rec = newRecorder()
	c, err := r.Enroll(accepted, rec)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec, peer
}

// onLoop runs fn on l and waits for it.
func onLoop(t testing.TB, l *Loop, fn func()) {
	t.Helper()
	done := make(chan struct{})
	l.Post(NewTask(func() { fn(); close(done) }))
	wait(t, done, "task")
}

// listen returns a listener on loopback TCP or on a unix socket in a temp dir.
func listen(t testing.TB, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = nettest.UnixPath(t)
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// connPair returns a connected pair over ln: dialed and accepted.
func connPair(t testing.TB, ln net.Listener) (dialed, accepted net.Conn) {
	t.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	d, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	t.Cleanup(func() { _ = d.Close(); _ = a.c.Close() })
	return d, a.c
}
