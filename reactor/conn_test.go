package reactor

import (
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestEnrollEcho enrolls one side of a loopback connection, sends to it from
// the plain side, writes back from the loop, and closes from the peer.
func TestEnrollEcho(t *testing.T) {
	cases := []struct {
		name    string
		network string
		enroll  string // which side of the pair is enrolled
	}{
		{name: "tcp accepted", network: "tcp", enroll: "accepted"},
		{name: "tcp dialed", network: "tcp", enroll: "dialed"},
		{name: "unix accepted", network: "unix", enroll: "accepted"},
		{name: "unix dialed", network: "unix", enroll: "dialed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startReactor(t, Config{Loops: 2})
			ln := listen(t, tc.network)
			lnAddr := ln.Addr().String()
			dialed, accepted := connPair(t, ln)
			nc, peer := accepted, dialed
			if tc.enroll == "dialed" {
				nc, peer = dialed, accepted
			}
			wantRemote := nc.RemoteAddr().String()

			rec := newRecorder()
			// Echo every OnData back with a prefix, from inside OnData.
			rec.onData = func(c *Conn, data []byte) {
				if _, err := c.Writev([][]byte{[]byte("echo:"), data}); err != nil {
					t.Errorf("Writev in OnData: %v", err)
				}
			}
			c, err := r.Enroll(nc, rec)
			if err != nil {
				t.Fatalf("Enroll: %v", err)
			}
			select {
			case <-rec.opened: // OnOpen ran before Enroll returned
			default:
				t.Fatal("Enroll returned before OnOpen")
			}
			if c.Loop() == nil || c.Handler() != Handler(rec) {
				t.Fatalf("Loop()=%v Handler()=%v", c.Loop(), c.Handler())
			}
			if got := c.RemoteAddr(); got == nil || got.String() != wantRemote {
				t.Fatalf("RemoteAddr() = %v, want %s", got, wantRemote)
			}
			// gnet renames a unix conn's LocalAddr; the listener's address
			// must not be affected.
			if got := ln.Addr().String(); got != lnAddr {
				t.Fatalf("listener address changed to %q", got)
			}
			if _, err := nc.Write([]byte("x")); err == nil {
				t.Fatal("the enrolled net.Conn is still usable; Enroll must close it")
			}

			if _, err := peer.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if got := rec.waitData(t, 5); string(got) != "hello" {
				t.Fatalf("OnData got %q", got)
			}
			readFull(t, peer, "echo:hello")

			// A write from a posted task.
			onLoop(t, c.Loop(), func() {
				if !c.IsOpen() {
					t.Error("IsOpen() = false on an open conn")
				}
				n, err := c.Writev([][]byte{[]byte("wor"), nil, []byte("ld")})
				if n != 5 || err != nil {
					t.Errorf("Writev = %d, %v", n, err)
				}
				if ob := c.OutboundBuffered(); ob != 0 {
					t.Errorf("OutboundBuffered() = %d after a small write", ob)
				}
			})
			readFull(t, peer, "world")

			_ = peer.Close()
			if err := rec.waitClosed(t); err == nil || !errors.Is(err, io.EOF) {
				t.Fatalf("OnClose err = %v, want io.EOF", err)
			}
			if got, want := rec.eventLog(), []string{"open", "data", "close"}; !slices.Equal(got, want) {
				t.Fatalf("events %v, want %v", got, want)
			}
			onLoop(t, c.Loop(), func() {
				if c.IsOpen() {
					t.Error("IsOpen() after OnClose")
				}
				if n, err := c.Writev([][]byte{[]byte("late")}); n != 0 || !errors.Is(err, ErrClosed) {
					t.Errorf("Writev after close = %d, %v; want 0, ErrClosed", n, err)
				}
				if ob := c.OutboundBuffered(); ob != 0 {
					t.Errorf("OutboundBuffered() = %d after close", ob)
				}
				c.Close() // harmless
			})
		})
	}
}

// TestConnClose: Conn.Close from the loop gives OnClose(nil) before it
// returns, the peer sees EOF, and a second Close does nothing.
func TestConnClose(t *testing.T) {
	c, rec, dialed := enrollTCP(t)
	onLoop(t, c.Loop(), func() {
		c.Close()
		select {
		case <-rec.closed:
		default:
			t.Error("OnClose did not run inside Close")
		}
		c.Close()
	})
	if err := rec.waitClosed(t); err != nil {
		t.Fatalf("OnClose err = %v, want nil", err)
	}
	if got, want := rec.eventLog(), []string{"open", "close"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if n, err := dialed.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("peer Read = %d, %v; want EOF", n, err)
	}
}

// TestCloseInOnOpen: a handler may close its conn in OnOpen.
func TestCloseInOnOpen(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	dialed, accepted := connPair(t, listen(t, "tcp"))
	rec := newRecorder()
	rec.onOpen = func(c *Conn) { c.Close() }
	if _, err := r.Enroll(accepted, rec); err != nil {
		t.Fatal(err)
	}
	if err := rec.waitClosed(t); err != nil {
		t.Fatalf("OnClose err = %v", err)
	}
	if n, err := dialed.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("peer Read = %d, %v; want EOF", n, err)
	}
}

// readFull reads len(want) bytes from c and compares.
func readFull(t *testing.T, c net.Conn, want string) {
	t.Helper()
	got := make([]byte, len(want))
	_ = c.SetReadDeadline(time.Now().Add(failAfter)) // failure detector only
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", len(want), err, got)
	}
	if string(got) != want {
		t.Fatalf("read %q, want %q", got, want)
	}
}

// TestNoDelayCarriesOver: gnet must leave TCP_NODELAY as the caller set it
// on the net.Conn (the loop's descriptor is a duplicate of the same socket).
func TestNoDelayCarriesOver(t *testing.T) {
	cases := []struct {
		name    string
		noDelay bool
		want    int
	}{
		{name: "nodelay", noDelay: true, want: 1},
		{name: "delay", noDelay: false, want: 0},
	}
	r := startReactor(t, Config{Loops: 1})
	ln := listen(t, "tcp")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, accepted := connPair(t, ln)
			if err := accepted.(*net.TCPConn).SetNoDelay(tc.noDelay); err != nil {
				t.Fatal(err)
			}
			c, err := r.Enroll(accepted, newRecorder())
			if err != nil {
				t.Fatal(err)
			}
			var got int
			onLoop(t, c.Loop(), func() {
				got, err = unix.GetsockoptInt(c.gc.Fd(), unix.IPPROTO_TCP, unix.TCP_NODELAY)
			})
			if err != nil || got != tc.want {
				t.Fatalf("TCP_NODELAY = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}
