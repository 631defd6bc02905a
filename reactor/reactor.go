package reactor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/nanoq/nq/internal/logx"
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Reactor runs gnet event loops that own enrolled connections. Its methods
// are safe for concurrent use but must not be called from an event loop.
type Reactor struct {
	// Immutable after Start returns:
	cli   *gnet.Client
	loops []*Loop
	log   *logx.Logger

	// mu orders Enroll against Close: Enroll holds it shared across gnet's
	// EnrollContext, Close takes it exclusively to set closed. So Close never
	// stops gnet while a registration is queued on a loop (gnet would wait
	// for that registration forever), and no Enroll starts afterwards.
	mu     sync.RWMutex
	closed bool // guarded by mu

	closeOnce sync.Once
	closeErr  error         // written inside closeOnce
	stopped   chan struct{} // closed once the loops have exited
}

// Start starts the event loops.
func Start(cfg Config) (*Reactor, error) {
	n := cfg.numLoops()
	r := &Reactor{log: cfg.Logger, stopped: make(chan struct{})}
	cli, err := gnet.NewClient(&events{r: r},
		gnet.WithNumEventLoop(n),
		gnet.WithReadBufferCap(cfg.ReadBufferCap),
		gnet.WithTicker(false),
		gnet.WithLockOSThread(false),
		// Leave TCP_NODELAY alone: callers set it on the net.Conn before
		// Enroll, and the loop's duplicate descriptor shares it.
		gnet.WithTCPNoDelay(gnet.TCPDelay),
		gnet.WithLogger(gnetLogger{cfg.Logger}), // always: gnet's default prints to stdout
	)
	if err != nil {
		return nil, fmt.Errorf("nanoq: reactor: new gnet client: %w", err)
	}
	if err := cli.Start(); err != nil {
		return nil, fmt.Errorf("nanoq: reactor: start gnet client: %w", err)
	}
	r.cli = cli
	for i := range n {
		if err := r.addLoop(i); err != nil {
			_ = r.Close()
			return nil, err
		}
	}
	// Each wake conn should be on a loop of its own (see addLoop): check.
	for i, l := range r.loops {
		for _, m := range r.loops[:i] {
			if l.el == m.el {
				_ = r.Close()
				return nil, fmt.Errorf("nanoq: reactor: loops %d and %d share a gnet event loop", m.index, i)
			}
		}
	}
	return r, nil
}

// addLoop creates Loop i: a socketpair whose one end is enrolled (gnet's
// least-connections balancer picks a loop without a wake conn yet, as each
// is registered before the next is enrolled) and whose other end Post writes to.
func (r *Reactor) addLoop(i int) error {
	fds, err := socketpair()
	if err != nil {
		return fmt.Errorf("nanoq: reactor: wake-up socketpair: %w", err)
	}
	f := os.NewFile(uintptr(fds[0]), "nanoq-reactor-wake")
	nc, err := net.FileConn(f) // duplicates the descriptor
	_ = f.Close()
	if err != nil {
		_ = unix.Close(fds[1])
		return fmt.Errorf("nanoq: reactor: wake-up conn: %w", err)
	}
	l := &Loop{index: i, r: r, wfd: fds[1]}
	r.loops = append(r.loops, l) // from here on Close releases wfd
	c := &Conn{h: wakeHandler{l}, remote: nc.RemoteAddr(), loop: l}
	if err := r.enroll(nc, c); err != nil {
		return fmt.Errorf("nanoq: reactor: loop %d: %w", i, err)
	}
	return nil
}

// socketpair returns a non-blocking, close-on-exec pair of connected unix
// stream sockets. (SOCK_NONBLOCK and SOCK_CLOEXEC are not portable: macOS
// lacks them. ForkLock keeps a concurrent fork from inheriting the
// descriptors before they are marked, as package net does.)
func socketpair() ([2]int, error) {
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return fds, err
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			_ = unix.Close(fds[0])
			_ = unix.Close(fds[1])
			return fds, err
		}
	}
	return fds, nil
}

// NumLoops returns the number of event loops.
func (r *Reactor) NumLoops() int { return len(r.loops) }

// Loop returns event loop i, 0 <= i < NumLoops().
func (r *Reactor) Loop(i int) *Loop { return r.loops[i] }

// loopFor maps a gnet event loop to our Loop. Loop only (any loop): the
// mapping was filled in by Start before any user conn was enrolled.
func (r *Reactor) loopFor(el gnet.EventLoop) *Loop {
	for _, l := range r.loops {
		if l.el == el {
			return l
		}
	}
	panic("reactor: connection on an unknown event loop")
}

// Enroll moves nc onto the least loaded loop and returns once h.OnOpen has
// run there. nc must be a *net.TCPConn or a stream *net.UnixConn; it is
// closed whatever the outcome (the loop owns a duplicate of its descriptor),
// and socket options set on it before the call carry over. gnet overwrites
// the name of a unix nc's LocalAddr. After Close it returns ErrClosed.
// Calling it from an event loop deadlocks.
func (r *Reactor) Enroll(nc net.Conn, h Handler) (*Conn, error) {
	return r.enrollConn(nc, h, false)
}

// EnrollDirect is Enroll for a connection that also gets a DirectWriter
// (Conn.DirectWriter), on a duplicate of nc's descriptor that the connection keeps
// until it closes. The connection is enrolled without one when the
// duplicate cannot be made, or when the process already uses a quarter of
// its descriptor limit (RLIMIT_NOFILE): huge connection counts keep one
// descriptor per connection.
func (r *Reactor) EnrollDirect(nc net.Conn, h Handler) (*Conn, error) {
	return r.enrollConn(nc, h, true)
}

func (r *Reactor) enrollConn(nc net.Conn, h Handler, direct bool) (*Conn, error) {
	if nc == nil {
		return nil, errors.New("nanoq: reactor: enroll: nil net.Conn")
	}
	if h == nil {
		_ = nc.Close()
		return nil, errors.New("nanoq: reactor: enroll: nil Handler")
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		_ = nc.Close()
		return nil, ErrClosed
	}
	c := &Conn{h: h, remote: nc.RemoteAddr()}
	if direct {
		var err error
		if c.direct, err = dupDirect(nc); err != nil {
			r.log.Debugf("reactor: %v: no direct writer: %v", c.remote, err)
		}
	}
	if err := r.enroll(nc, c); err != nil {
		if c.direct != nil && c.gc == nil { // OnOpen never ran, so neither will OnClose
			_ = unix.Close(c.direct.fd)
		}
		return nil, err
	}
	return c, nil
}

// enroll hands nc to gnet with c as its context and waits until OnOpen ran.
// The caller holds mu shared (or is Start, before anyone else can Close).
func (r *Reactor) enroll(nc net.Conn, c *Conn) error {
	if uc, ok := nc.(*net.UnixConn); ok {
		// gnet dereferences both addresses of a unix conn without a check.
		la, _ := uc.LocalAddr().(*net.UnixAddr)
		ra, _ := uc.RemoteAddr().(*net.UnixAddr)
		if la == nil || ra == nil {
			_ = nc.Close()
			return errors.New("nanoq: reactor: enroll: unix conn without addresses")
		}
	}
	if _, err := r.cli.EnrollContext(nc, c); err != nil { // closes nc
		return fmt.Errorf("nanoq: reactor: enroll %v: %w", c.remote, err)
	}
	// gnet also returns without error when the loop failed to register the
	// descriptor (epoll_ctl); then OnOpen never ran. The wait inside
	// EnrollContext orders OnOpen's write of gc before this read.
	if c.gc == nil {
		return fmt.Errorf("nanoq: reactor: enroll %v: event loop could not register it", c.remote)
	}
	return nil
}

// Close closes every connection (each gets OnClose with a nil error), stops
// the loops and returns once their goroutines are done. Idempotent: later
// calls return the first call's result. Pending tasks are dropped. Calling
// it from an event loop deadlocks.
func (r *Reactor) Close() error {
	r.closeOnce.Do(func() {
		for _, l := range r.loops {
			l.closed.Store(true)
		}
		r.mu.Lock() // waits for Enrolls in flight
		r.closed = true
		r.mu.Unlock()
		if err := r.cli.Stop(); err != nil { // OnClose(nil) for every conn, then the loops exit
			r.closeErr = fmt.Errorf("nanoq: reactor: stop: %w", err)
		}
		close(r.stopped)
		for _, l := range r.loops {
			l.shutdown()
		}
	})
	return r.closeErr
}
