package sub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

func TestHandlerDelivery(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"tcp4", nettest.TCPURL},
		{"unix", "unix://" + nettest.UnixPath(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := newCollector()
			s := startSub(t, tc.url, Options{Handler: col.Handle})
			payloads := [][]byte{{}, pattern(1, 1), pattern(2, 100), pattern(3, 2<<20), pattern(4, 70000)}
			c := dial(t, s)
			for _, p := range payloads {
				if _, err := c.Write(frame(p)); err != nil {
					t.Fatal(err)
				}
			}
			col.Wait(t, len(payloads))
			got := col.Snapshot()
			if len(got) != 1 {
				t.Fatalf("%d streams, want 1", len(got))
			}
			for _, msgs := range got {
				for i := range payloads {
					if !bytes.Equal(msgs[i], payloads[i]) {
						t.Fatalf("message %d differs (len %d, want %d)", i, len(msgs[i]), len(payloads[i]))
					}
				}
			}
		})
	}
}

func TestReceive(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Metrics: m})
	c := dial(t, s)
	want := [][]byte{pattern(1, 10), {}, pattern(2, 1<<20+3)}
	for _, p := range want {
		c.Write(frame(p))
	}
	buf := make([]byte, 2<<20)
	var first StreamDescriptor
	for i, p := range want {
		got, stream, err := s.Receive(ctxTimeout(t, 10*time.Second), buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("message %d differs", i)
		}
		if i == 0 {
			first = stream
		} else if stream != first {
			t.Fatalf("stream %d, want %d", stream, first)
		}
	}

	t.Run("short buffer", func(t *testing.T) {
		c.Write(frame(pattern(3, 100)))
		c.Write(frame(pattern(4, 10)))
		_, _, err := s.Receive(ctxTimeout(t, 10*time.Second), make([]byte, 0, 50))
		if !errors.Is(err, io.ErrShortBuffer) {
			t.Fatalf("error %v, want io.ErrShortBuffer", err)
		}
		got, _, err := s.Receive(ctxTimeout(t, 10*time.Second), make([]byte, 0, 50))
		if err != nil || !bytes.Equal(got, pattern(4, 10)) {
			t.Fatalf("next message: %q, %v", got, err)
		}
		if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "short_buffer"); n != 1 {
			t.Fatalf("short_buffer losses %v, want 1", n)
		}
	})

	t.Run("context cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, _, err := s.Receive(ctx, buf); done <- err }()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Receive ignored its context")
		}
	})

	t.Run("after close", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { _, _, err := s.Receive(context.Background(), buf); done <- err }()
		s.Close()
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("waiting Receive: %v, want ErrClosed", err)
		}
		if _, _, err := s.Receive(context.Background(), buf); !errors.Is(err, ErrClosed) {
			t.Fatalf("Receive after Close: %v, want ErrClosed", err)
		}
	})
}

func TestReceiveWithHandler(t *testing.T) {
	s, err := New(nettest.TCPURL, Options{Handler: func([]byte, StreamDescriptor) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.Receive(context.Background(), nil); !errors.Is(err, ErrHandlerSet) {
		t.Fatalf("error %v, want ErrHandlerSet", err)
	}
}

func TestManyConnections(t *testing.T) {
	const conns, perConn = 1000, 5
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, EventLoops: 2})
	base := runtime.NumGoroutine()
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i] = dial(t, s)
	}
	for i, c := range clients {
		var b []byte
		for j := range perConn {
			b = append(b, frame([]byte(fmt.Sprintf("%d/%d", i, j)))...)
		}
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	col.Wait(t, conns*perConn)
	if g := runtime.NumGoroutine(); g > base+5 {
		t.Fatalf("%d goroutines with %d connections, %d before them", g, conns, base)
	}
	got := col.Snapshot()
	if len(got) != conns {
		t.Fatalf("%d stream descriptors, want %d", len(got), conns)
	}
	for d, msgs := range got {
		var client string
		for j, m := range msgs {
			var i, k int
			if _, err := fmt.Sscanf(string(m), "%d/%d", &i, &k); err != nil || k != j {
				t.Fatalf("stream %d: message %d is %q", d, j, m)
			}
			if j == 0 {
				client = fmt.Sprint(i)
			} else if fmt.Sprint(i) != client {
				t.Fatalf("stream %d mixes clients %s and %d", d, client, i)
			}
		}
	}
}

func TestListenCancel(t *testing.T) {
	col := newCollector()
	s, err := New(nettest.TCPURL, Options{Handler: col.Handle})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		c := dial(t, s)
		c.Write(frame([]byte("x")))
	}
	col.Wait(t, 200)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Listen(ctx) }()
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Listen returned %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Listen took %v to return", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after cancel")
	}
}

func TestBindFailure(t *testing.T) {
	s1 := startSub(t, nettest.TCPURL, Options{})
	s2, err := New("tcp4://"+s1.Addr().String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s2.Listen(context.Background()) }()
	select {
	case err := <-done:
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Fatalf("Listen: %v, want a wrapped *net.OpError", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not fail at once")
	}
	s2.Close()
}

func TestUnixSocketFile(t *testing.T) {
	t.Run("removed on close", func(t *testing.T) {
		path := nettest.UnixPath(t)
		s := startSub(t, "unix://"+path, Options{})
		if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Fatalf("no socket at %s: %v", path, err)
		}
		s.Close()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("socket file left after Close: %v", err)
		}
	})
	t.Run("refuses a regular file", func(t *testing.T) {
		path := nettest.UnixPath(t)
		os.WriteFile(path, []byte("precious"), 0o600)
		s, _ := New("unix://"+path, Options{})
		defer s.Close()
		if err := s.Bind(); !errors.Is(err, ErrPathInUse) {
			t.Fatalf("Bind: %v, want ErrPathInUse", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "precious" {
			t.Fatal("the file was touched")
		}
	})
	t.Run("refuses a live socket", func(t *testing.T) {
		path := nettest.UnixPath(t)
		startSub(t, "unix://"+path, Options{})
		s, _ := New("unix://"+path, Options{})
		defer s.Close()
		if err := s.Bind(); !errors.Is(err, ErrPathInUse) {
			t.Fatalf("Bind: %v, want ErrPathInUse", err)
		}
	})
	t.Run("replaces a stale socket", func(t *testing.T) {
		path := nettest.UnixPath(t)
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		ln.Close()
		startSub(t, "unix://"+path, Options{})
	})
}

func TestTCP6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no ::1 on this machine:", err)
	}
	ln.Close()
	col := newCollector()
	s := startSub(t, "tcp6://[::1]:0", Options{Handler: col.Handle})
	c := dial(t, s)
	c.Write(frame([]byte("six")))
	col.Wait(t, 1)
}

func TestCloseIdempotent(t *testing.T) {
	s := startSub(t, nettest.TCPURL, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Bind after Close: %v", err)
	}
}
