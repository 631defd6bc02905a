package sub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/nanoq/nq/internal/addr"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"golang.org/x/sys/unix"
)

// acceptors is how many goroutines accept on a listener. Enrolling a connection
// waits for its event loop to register it (a loop iteration: milliseconds when
// the loops are busy), so with one accepting goroutine the last publisher of a
// drained replica to reconnect would wait for all the others' enrollments.
const acceptors = 4

// accept runs on each of the acceptors goroutines: it accepts connections
// and enrolls them into the reactor. Accept errors such as EMFILE back off
// and retry, so the existing streams keep flowing and accepting resumes
// when descriptors free up.
func (s *Subscriber) accept(ln net.Listener) {
	defer s.wg.Done()
	defer func() {
		if s.accepting.Add(-1) == 0 {
			close(s.acceptDone)
		}
	}()
	var (
		delay   time.Duration
		errSeen bool
		// While draining: connections accepted in the current window, and
		// when windows stop (see drainWindow).
		drainAccepted int
		drainEnd      time.Time
		spare         = openSpare()
	)
	defer func() { spare.Close() }()
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if s.draining.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				if !drainWindow(ln, &drainAccepted, &drainEnd) {
					return // the queue is empty: Drain closes the listener
				}
				continue
			}
			s.listenMetrics.Count(metrics.AcceptError)
			if !errSeen {
				s.log.Errorf("accept on %s: %v (retrying)", ln.Addr(), err)
				errSeen = true
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t := time.NewTimer(delay)
			select {
			case <-s.quit:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		if errSeen {
			s.log.Infof("accepting on %s again", ln.Addr())
			errSeen = false
		}
		delay = 0
		if s.draining.Load() {
			drainAccepted++
		}
		host := remoteHost(nc, s.addr)
		c := &conn{s: s, desc: StreamDescriptor(s.lastDesc.Add(1)), m: s.listenMetrics}
		if !s.opts.ProxyProtocol { // else the PROXY header names the peer
			c.peer = s.peers.Open(host)
		}
		// Enroll duplicates the accepted descriptor: when descriptors run
		// short, an accept can take the last one and the dup then fails,
		// losing the connection. The spare held for this moment is given
		// up just before, and taken again after.
		spare.Close()
		_, err = s.reactor.Enroll(nc, c)
		spare = openSpare()
		if err != nil {
			if c.rc == nil { // OnOpen never ran, so neither will OnClose
				c.peer.Close()
			}
			if errors.Is(err, reactor.ErrClosed) {
				return
			}
			s.listenMetrics.Count(metrics.AcceptError)
			s.log.Errorf("enroll connection from %s: %v", host, err)
			nc.Close()
		}
	}
}

// openSpare holds one descriptor in reserve for an accepting goroutine
// (see accept). It returns nil, which Close accepts, when none is free.
func openSpare() *os.File {
	f, _ := os.Open(os.DevNull)
	return f
}

// remoteHost is the peer label for a connection: the peer host without
// port, or "local" for unix sockets.
func remoteHost(nc net.Conn, a addr.Addr) string {
	if a.Net == "unix" {
		return "local"
	}
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		return nc.RemoteAddr().String()
	}
	return host
}

// listen binds a. For unix sockets it refuses to replace anything but a stale
// socket at the path (net.Listen's listener removes the file on Close).
func listen(a addr.Addr, reusePort bool) (net.Listener, error) {
	if a.Net == "unix" {
		if err := clearStaleSocket(a.Host); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	if reusePort && a.Net != "unix" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			return cmp.Or(err, serr)
		}
	}
	ln, err := lc.Listen(context.Background(), a.Net, a.Host)
	if err != nil {
		return nil, fmt.Errorf("nanoq: listen %s://%s: %w", a.Net, a.Host, err)
	}
	return ln, nil
}

// ErrPathInUse is wrapped by Bind when a unix socket path holds something
// other than a stale socket.
var ErrPathInUse = errors.New("nanoq: unix socket path in use")

func clearStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nanoq: listen unix://%s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("nanoq: listen unix://%s: not a socket: %w", path, ErrPathInUse)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("nanoq: listen unix://%s: a live listener owns it: %w", path, ErrPathInUse)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nanoq: listen unix://%s: remove stale socket: %w", path, err)
	}
	return nil
}
