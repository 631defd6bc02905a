//go:build linux

package pub

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dialTCP connects to hostport (an IP literal and port) with a blocking
// connect(2) on the calling goroutine's thread, bounded by timeout
// (SO_SNDTIMEO), and returns it as a net.Conn. Go's own dialer parks the
// goroutine until the runtime's poller reports the connection writable,
// which on a busy process can take milliseconds (the poller is consulted
// when a P goes idle, and by sysmon every 10 ms); the blocking system call
// returns as soon as the handshake completes. ok is false when hostport is
// not an IP literal: the caller then uses net.Dialer.
func dialTCP(network, hostport string, timeout time.Duration) (c net.Conn, ok bool, err error) {
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
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, true, os.NewSyscallError("socket", err)
	}
	if timeout > 0 {
		tv := unix.NsecToTimeval(timeout.Nanoseconds())
		_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	}
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EINPROGRESS) || errors.Is(err, unix.EAGAIN) {
			err = unix.ETIMEDOUT
		}
		return nil, true, &net.OpError{Op: "dial", Net: network, Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("connect", err)}
	}
	f := os.NewFile(uintptr(fd), "nanoq-dial")
	c, err = net.FileConn(f) // a duplicate, in non-blocking mode and Go's poller
	f.Close()
	if err == nil && c.RemoteAddr() == nil { // the peer reset it already: no getpeername
		c.Close()
		err = &net.OpError{Op: "dial", Net: network, Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("connect", unix.ECONNRESET)}
	}
	return c, true, err
}
