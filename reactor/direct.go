package reactor

import (
	"net"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Bits of DirectWriter.state.
const (
	directBusy   uint32 = 1 << iota // a Begin awaits its Finish
	directHeld                      // Finish(true): the writer handed work to the loop
	directClosed                    // the connection closed (OnClose)
	directOutput                    // the reactor holds output for the connection
)

// DirectWriter writes to an enrolled connection's socket from any
// goroutine, bypassing its event loop: one non-blocking write(2), no
// wake-up. gnet may close the connection's descriptor at any time and its
// number be reused, so it writes on a duplicate made at EnrollDirect and
// closed only once the connection has closed and no direct write is in
// progress: a direct write never reaches another connection (the socket
// outlives gnet's close at most until the write in progress ends).
//
// A write is bracketed by Begin and Finish. Begin refuses while the reactor
// holds output for the connection (as of the loop's last look), and in the
// other cases its doc lists, so direct bytes never overtake the reactor's;
// the caller must still keep a direct write and the loop's Conn.Writev from
// running at once (pub: its ring's in-flight bit).
type DirectWriter struct {
	fd      int           // immutable; closed by markClosed or Finish
	state   atomic.Uint32 // direct* bits
	written atomic.Uint64 // bytes the socket took from Writev, for Conn.UnackedAtClose
}

// directFDShare: a connection gets a DirectWriter (a second descriptor) only
// while the duplicate's number, the lowest free one, so about the process's
// open descriptors, is below this fraction of RLIMIT_NOFILE: with tens of
// thousands of streams the limit matters more than the few idle ones' latency.
const directFDShare = 4 // a quarter

// dupDirect returns a DirectWriter on a duplicate of nc's descriptor, or errFDBudget
// when descriptors are too scarce to spend one on it.
func dupDirect(nc net.Conn) (*DirectWriter, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, errNotSocket
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(f uintptr) { fd, derr = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || uint64(fd) >= uint64(rl.Cur)/directFDShare {
		_ = unix.Close(fd)
		return nil, errFDBudget
	}
	return &DirectWriter{fd: fd}, nil
}

// Begin starts a write. It reports false, and the write must not happen,
// unless the connection is open, quiet (the reactor holds no output for it),
// and no other direct write is in progress or held. Any goroutine.
func (s *DirectWriter) Begin() bool {
	return s.state.Load() == 0 && s.state.CompareAndSwap(0, directBusy)
}

// Quiet reports whether the connection is still open and the reactor held
// no output for it at the loop's last look. A writer that has excluded the
// loop's writes (see DirectWriter) checks it again before writing: between Begin
// and that exclusion the loop may have buffered output, or the connection
// may have closed (and a new one taken over the stream). Any goroutine.
func (s *DirectWriter) Quiet() bool { return s.state.Load()&(directOutput|directClosed) == 0 }

// Writev writes first‖second with one non-blocking system call and returns
// how many bytes the socket took: possibly fewer, and 0 with a nil error
// when its buffer is full. Only between Begin and Finish.
func (s *DirectWriter) Writev(first, second []byte) (int, error) {
	for {
		var n int
		var err error
		if len(second) == 0 {
			n, err = unix.Write(s.fd, first)
		} else {
			n, err = writev2(s.fd, first, second)
		}
		switch err {
		case nil:
			s.written.Add(uint64(n))
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		default:
			return 0, err
		}
	}
}

// Finish ends the write begun by Begin. With hold true the writer hands
// something to the connection's loop (pub: the rest of a partial write),
// and Begin refuses until the loop calls Unhold. It reports false, and
// nothing is held, when the connection closed meanwhile; its descriptor
// is then closed. Any goroutine.
func (s *DirectWriter) Finish(hold bool) (open bool) {
	for {
		st := s.state.Load()
		if st&directClosed != 0 {
			// markClosed saw directBusy and left the descriptor to us.
			s.state.And(^directBusy)
			_ = unix.Close(s.fd)
			return false
		}
		next := st &^ directBusy
		if hold {
			next |= directHeld
		}
		if s.state.CompareAndSwap(st, next) {
			return true
		}
	}
}

// Held reports whether a Finish(true) awaits Unhold. Once the connection has
// closed (in and after OnClose) it no longer changes. Any goroutine; the
// loop acts on it.
func (s *DirectWriter) Held() bool { return s.state.Load()&directHeld != 0 }

// Unhold clears what Finish(true) set, once the loop has taken over. Loop only.
func (s *DirectWriter) Unhold() { s.state.And(^directHeld) }

// setOutput records whether the reactor holds output for the connection.
// Loop only (Conn.Writev and Conn.OutboundBuffered).
func (s *DirectWriter) setOutput(on bool) {
	switch has := s.state.Load()&directOutput != 0; {
	case on && !has:
		s.state.Or(directOutput)
	case !on && has:
		s.state.And(^directOutput)
	}
}

// markClosed runs when the connection closes (on its loop, before the
// handler's OnClose): it closes the descriptor unless a write is in
// progress, whose Finish then closes it.
func (s *DirectWriter) markClosed() {
	if s.state.Or(directClosed)&directBusy == 0 {
		_ = unix.Close(s.fd)
	}
}
