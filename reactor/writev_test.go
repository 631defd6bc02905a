package reactor

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWritevStaleConn: after conn A closed and conn B got A's descriptor
// number, A.Writev must fail with ErrClosed and B's peer must get nothing.
func TestWritevStaleConn(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	ln := listen(t, "tcp")
	_, accA := connPair(t, ln)
	peerB, accB := connPair(t, ln) // accepted before A closes: B's dup can reuse A's number
	recA := newRecorder()
	a, err := r.Enroll(accA, recA)
	if err != nil {
		t.Fatal(err)
	}
	fdA := a.gc.Fd()
	onLoop(t, a.Loop(), a.Close)
	recA.waitClosed(t)

	// Make fdA the lowest free descriptor, so that gnet's dup of B gets it.
	held := holdFDsBelow(t, fdA)
	b, err := r.Enroll(accB, newRecorder())
	for _, fd := range held {
		_ = unix.Close(fd)
	}
	if err != nil {
		t.Fatal(err)
	}
	if fdB := b.gc.Fd(); fdB != fdA {
		t.Fatalf("descriptor not reused (A=%d, B=%d): the test did not set up reuse", fdA, fdB)
	}
	onLoop(t, a.Loop(), func() {
		if n, err := a.Writev([][]byte{[]byte("stale")}); n != 0 || !errors.Is(err, ErrClosed) {
			t.Errorf("stale Writev = %d, %v; want 0, ErrClosed", n, err)
		}
		if _, err := b.Writev([][]byte{[]byte("fresh")}); err != nil {
			t.Errorf("B Writev: %v", err)
		}
	})
	readFull(t, peerB, "fresh") // "stale" would arrive first
}

// holdFDsBelow occupies every free descriptor number below fd and returns
// them; it fails the test if fd itself is not free.
func holdFDsBelow(t *testing.T, fd int) []int {
	t.Helper()
	var held []int
	for {
		d, err := unix.Dup(0)
		if err != nil {
			t.Fatal(err)
		}
		if d < fd {
			held = append(held, d)
			continue
		}
		_ = unix.Close(d)
		if d != fd {
			for _, h := range held {
				_ = unix.Close(h)
			}
			t.Fatalf("descriptor %d is not free (got %d)", fd, d)
		}
		return held
	}
}

// TestWritevManySlices: more than IOV_MAX slices are split, in order.
func TestWritevManySlices(t *testing.T) {
	cases := []struct {
		name   string
		slices int
	}{
		{name: "slices=1024", slices: 1024},
		{name: "slices=1025", slices: 1025},
		{name: "slices=3000", slices: 3000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, dialed := enrollTCP(t)
			bufs := make([][]byte, tc.slices)
			var want bytes.Buffer
			for i := range bufs {
				bufs[i] = fmt.Appendf(nil, "<%d>", i)
				want.Write(bufs[i])
			}
			onLoop(t, c.Loop(), func() {
				n, err := c.Writev(bufs)
				if n != want.Len() || err != nil {
					t.Errorf("Writev = %d, %v; want %d, nil", n, err, want.Len())
				}
				if !c.IsOpen() {
					t.Error("conn closed by a large Writev")
				}
			})
			readFull(t, dialed, want.String())
		})
	}
}

// TestWritevError: a write to a reset connection returns the cause, and the
// conn is closed (OnClose with an error) before Writev returns.
func TestWritevError(t *testing.T) {
	c, rec, dialed := enrollTCP(t)
	started, reset, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	// The loop is held inside this task while the peer resets the
	// connection, so it cannot notice the reset before Writev does.
	c.Loop().Post(NewTask(func() {
		defer close(done)
		close(started)
		<-reset
		n, err := c.Writev([][]byte{[]byte("into the void")})
		if err == nil || errors.Is(err, ErrClosed) {
			t.Errorf("Writev after reset = %d, %v; want the write error", n, err)
		}
		select {
		case <-rec.closed:
		default:
			t.Error("OnClose did not run before Writev returned")
		}
		if c.IsOpen() {
			t.Error("IsOpen() after a write error")
		}
		t.Logf("Writev after reset: %v", err)
	}))
	wait(t, started, "task start")
	_ = dialed.(*net.TCPConn).SetLinger(0) // close sends RST
	_ = dialed.Close()
	close(reset)
	wait(t, done, "Writev task")
	if err := rec.waitClosed(t); err == nil {
		t.Fatal("OnClose err = nil, want the write error")
	}
}
