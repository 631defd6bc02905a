package reactor

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/sys/unix"
)

// fdOpen reports whether descriptor fd is open in this process.
func fdOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// TestSideWrites: a direct write reaches the peer, in order with the loop's
// writes; Begin refuses while another write or a held remainder is pending
// and while the reactor holds output; the descriptor closes with the
// connection.
func TestSideWrites(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			r := startReactor(t, Config{Loops: 1})
			dialed, accepted := connPair(t, listen(t, network))
			rec := newRecorder()
			c, err := r.EnrollDirect(dialed, rec)
			if err != nil {
				t.Fatal(err)
			}
			s := c.DirectWriter()
			if s == nil {
				t.Fatal("EnrollDirect gave no DirectWriter")
			}
			if !s.Begin() {
				t.Fatal("Begin refused on an open, quiet connection")
			}
			if s.Begin() {
				t.Fatal("second Begin accepted while a write is in progress")
			}
			if n, err := s.Writev([]byte("side "), []byte("one ")); n != 9 || err != nil {
				t.Fatalf("Writev = %d, %v", n, err)
			}
			if !s.Finish(true) {
				t.Fatal("Finish reported a closed connection")
			}
			if !s.Held() || s.Begin() {
				t.Fatal("Begin accepted while a remainder is held")
			}
			onLoop(t, c.Loop(), func() {
				s.Unhold()
				if _, err := c.Writev([][]byte{[]byte("loop ")}); err != nil {
					t.Error(err)
				}
			})
			if !s.Begin() {
				t.Fatal("Begin refused after Unhold")
			}
			if n, err := s.Writev([]byte("side two"), nil); n != 8 || err != nil {
				t.Fatalf("Writev = %d, %v", n, err)
			}
			s.Finish(false)
			readFull(t, accepted, "side one loop side two")

			// The reactor holding output makes Begin refuse until the loop
			// sees it drained.
			onLoop(t, c.Loop(), func() { s.setOutput(true) })
			if s.Quiet() || s.Begin() {
				t.Fatal("Begin accepted while the reactor holds output")
			}
			onLoop(t, c.Loop(), func() {
				if ob := c.OutboundBuffered(); ob != 0 {
					t.Errorf("OutboundBuffered = %d", ob)
				}
			})
			if !s.Quiet() {
				t.Fatal("not clear after the loop saw nothing buffered")
			}

			// Closing while a write is in progress: the writer's Finish
			// closes the descriptor, and no write may begin afterwards.
			if !s.Begin() {
				t.Fatal("Begin refused")
			}
			onLoop(t, c.Loop(), c.Close)
			rec.waitClosed(t)
			if s.Quiet() {
				t.Fatal("Quiet() = true after the connection closed")
			}
			if !fdOpen(s.fd) {
				t.Fatal("descriptor closed under a write in progress")
			}
			if n, err := s.Writev([]byte("last"), nil); n != 4 || err != nil {
				t.Fatalf("Writev during close = %d, %v", n, err)
			}
			if s.Finish(false) {
				t.Fatal("Finish reported an open connection after OnClose")
			}
			if fdOpen(s.fd) {
				t.Fatal("descriptor still open after the connection closed and the write finished")
			}
			if s.Begin() {
				t.Fatal("Begin accepted after close")
			}
			// The socket closed once both descriptors were gone: the peer
			// gets the last write, then EOF.
			readFull(t, accepted, "last")
			if n, err := accepted.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Fatalf("peer Read = %d, %v; want EOF", n, err)
			}
		})
	}
}

// TestSideClosedWhenIdle: with no write in progress the descriptor closes
// with the connection; Enroll (without DirectWriter) gives none.
func TestSideClosedWhenIdle(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	ln := listen(t, "tcp")
	dialed, accepted := connPair(t, ln)
	rec := newRecorder()
	c, err := r.EnrollDirect(dialed, rec)
	if err != nil {
		t.Fatal(err)
	}
	fd := c.DirectWriter().fd
	_ = accepted.Close()
	rec.waitClosed(t)
	if fdOpen(fd) {
		t.Fatal("descriptor open after OnClose")
	}
	d2, a2 := connPair(t, ln)
	defer a2.Close()
	plain, err := r.Enroll(d2, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if plain.DirectWriter() != nil {
		t.Fatal("Enroll gave a DirectWriter")
	}
}

// TestSideFullSocket: a peer that does not read fills the socket; Writev
// then reports 0 bytes and no error.
func TestSideFullSocket(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	dialed, accepted := connPair(t, listen(t, "unix"))
	defer accepted.Close()
	c, err := r.EnrollDirect(dialed, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	s := c.DirectWriter()
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	partial := false
	for range 1000 {
		if !s.Begin() {
			t.Fatal("Begin refused")
		}
		n, err := s.Writev(chunk, nil)
		s.Finish(false)
		if err != nil {
			t.Fatal(err)
		}
		if n < len(chunk) {
			partial = true
		}
		if n == 0 {
			return
		}
	}
	t.Fatalf("socket never filled (partial writes seen: %v)", partial)
}
