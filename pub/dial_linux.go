//go:build linux

package pub

import (
	"context"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dialTCP connects to hostport (an IP literal and port), waiting for the
// handshake in poll(2) on the calling goroutine's thread, looking at ctx every
// dialPoll and giving up after timeout. Go's own dialer parks the goroutine
// until the runtime's poller reports the connection writable, which on a busy
// process can take milliseconds (the poller runs when a P goes idle, and from
// sysmon every 10 ms); poll returns as soon as the handshake completes. ok is
// false when hostport is not an IP literal: the caller then uses net.Dialer.
func dialTCP(ctx context.Context, network, hostport string, timeout time.Duration) (c net.Conn, ok bool, err error) {
	ap, perr := netip.ParseAddrPort(hostport)
	if perr != nil {
		return nil, false, nil
	}
	a := ap.Addr().Unmap()
	var sa unix.Sockaddr
	family := unix.AF_INET
	switch {
	case a.Is4() && network != "tcp6":
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	case a.Is6() && network != "tcp4":
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	default:
		return nil, false, nil
	}
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("connect", err)}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, true, os.NewSyscallError("socket", err)
	}
	if err := connectWait(ctx, fd, sa, timeout); err != nil {
		unix.Close(fd)
		return nil, true, opErr(err)
	}
	f := os.NewFile(uintptr(fd), "nanoq-dial")
	c, err = net.FileConn(f) // a duplicate, in non-blocking mode and Go's poller
	f.Close()
	if err == nil && c.RemoteAddr() == nil { // the peer reset it already: no getpeername
		c.Close()
		err = opErr(unix.ECONNRESET)
	}
	return c, true, err
}

// dialPoll is how often a dial waiting for its handshake looks at its ctx.
const dialPoll = 20 * time.Millisecond

// connectWait connects the non-blocking socket fd to sa, waiting in poll(2)
// until the handshake completes, ctx ends or timeout (if > 0) passes.
func connectWait(ctx context.Context, fd int, sa unix.Sockaddr, timeout time.Duration) error {
	err := unix.Connect(fd, sa)
	for err == unix.EINTR {
		err = unix.Connect(fd, sa)
	}
	if err != unix.EINPROGRESS {
		return err // nil: connected at once
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := dialPoll
		if !deadline.IsZero() {
			if wait = min(wait, time.Until(deadline)); wait <= 0 {
				return unix.ETIMEDOUT
			}
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(fds, int(wait.Milliseconds())+1)
		if err == unix.EINTR || err == nil && n == 0 {
			continue
		}
		if err != nil {
			return err
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soErr != 0 {
			err = unix.Errno(soErr)
		}
		return err
	}
}
