package reactor

import (
	"fmt"
	"net"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// maxIOV is the most slices one writev(2) accepts on Linux (IOV_MAX). gnet
// does not clamp its synchronous Writev: more slices fail with EINVAL and
// close the connection.
const maxIOV = 1024

// Conn is an enrolled connection. Unless a method says otherwise it must be
// called only on the connection's loop.
type Conn struct {
	// Immutable after Enroll created the Conn (any goroutine):
	h      Handler
	remote net.Addr
	direct *DirectWriter // nil unless enrolled with EnrollDirect and the dup worked

	// Written once by OnOpen on the loop before Enroll returns; read-only
	// afterwards, by any goroutine that got the Conn from Enroll or a handler:
	loop *Loop
	gc   gnet.Conn

	// The rest is loop only. open is true between OnOpen and OnClose: every
	// method that touches gc checks it, so a closed Conn never reaches a
	// descriptor that gnet may have handed to another connection.
	open    bool
	closing bool // during the handler's OnClose, descriptor still open (UnackedAtClose)
	// During OnClose: finishable says FinishHeld may take over the held
	// output; finish is what it asked for.
	finishable bool
	lingers    bool         // LingerFIN ran
	handed     uint64       // bytes Writev handed to gnet, over the connection's life
	linger     *lingerState // LingerFIN: allocated when gnet first holds output; nil before and otherwise
	finish     *finishReq
}

// LingerFIN asks that when the peer closes its side first, this side's FIN
// follow finLinger later, not at once: a proxy in between might otherwise
// drop the last frames. It also keeps a copy of the output the reactor holds
// for the connection, so that OnClose may have it written after all
// (FinishHeld). Loop only, in OnOpen, before any Writev.
func (c *Conn) LingerFIN() { c.lingers = true }

// lingerState is what only LingerFIN connections keep (not a subscriber's):
// shadow[shadowOff:] copies what gnet's outbound buffer holds as of the last
// look (finish.go), shadowBad once it could not.
type lingerState struct {
	shadow    []byte
	shadowOff int
	shadowBad bool
}

// Loop returns the connection's event loop. Any goroutine.
func (c *Conn) Loop() *Loop { return c.loop }

// RemoteAddr returns the peer address as the enrolled net.Conn reported it.
// Any goroutine. For a connection accepted on a unix socket it is usually
// "@" (the peer's socket is unnamed).
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// DirectWriter returns the connection's DirectWriter, or nil (not enrolled
// with EnrollDirect, or no duplicate descriptor was made). Any goroutine.
func (c *Conn) DirectWriter() *DirectWriter { return c.direct }

// Writev writes bufs in order; n counts the bytes written or buffered. What
// the socket does not take at once is copied into the reactor's outbound
// buffer before Writev returns, so the caller may reuse bufs' memory at once
// (when the socket takes part, the slice headers in bufs may be rewritten,
// not the bytes). More than 1024 slices are written in several calls. On a
// closed connection it returns ErrClosed and writes nothing; a write error,
// wrapped in the error returned, closes the connection, and OnClose may run
// before Writev returns. Keep what is handed over small: the outbound buffer
// is unbounded and drains in time quadratic in the number of buffered
// slices, so check OutboundBuffered before writing more. Up to 8 slices per
// call it does not allocate (x/sys/unix.Writev allocates above that).
func (c *Conn) Writev(bufs [][]byte) (int, error) {
	if !c.open {
		return 0, ErrClosed
	}
	before := 0
	var small [8][]byte // up to 8 slices: no allocation, as x/sys's writev
	iov := small[:0]
	if c.lingers {
		before = c.gc.OutboundBuffered()
		iov = append(iov, bufs...) // gnet may rewrite bufs' headers
	}
	n := 0
	for len(bufs) > 0 {
		k := min(len(bufs), maxIOV)
		m, err := c.gc.Writev(bufs[:k])
		n += m
		c.handed += uint64(m)
		if err != nil {
			return n, fmt.Errorf("nanoq: reactor: writev: %w", err)
		}
		bufs = bufs[k:]
		if len(bufs) > 0 && !c.open {
			return n, ErrClosed // gnet closes only with an error; be defensive
		}
	}
	ob := c.gc.OutboundBuffered()
	if c.lingers && (ob > 0 || c.linger != nil) {
		if c.linger == nil { // gnet holds output first now (an idle connection never does)
			c.linger = &lingerState{shadowBad: before > 0} // cannot be bad: only Writev gives gnet bytes
		}
		c.linger.keepShadow(iov, before, ob)
	}
	if c.direct != nil && ob > 0 {
		c.direct.setOutput(true) // before the caller lets a DirectWriter in
	}
	return n, nil
}

// OutboundBuffered returns the bytes waiting in the reactor's outbound
// buffer: accepted by Writev but not yet taken by the socket. Inside
// OnClose it returns what the close discards; on a closed connection
// otherwise, 0. gnet has no "drained" event: poll it from a task.
func (c *Conn) OutboundBuffered() int {
	if c.closing {
		return c.gc.OutboundBuffered()
	}
	if !c.open {
		return 0
	}
	n := c.gc.OutboundBuffered()
	if n == 0 && c.direct != nil {
		c.direct.setOutput(false)
	}
	if c.linger != nil {
		c.linger.trimShadow(n)
	}
	return n
}

// Abort closes the connection with a reset (SO_LINGER 0): the kernel
// discards what it still holds for the peer rather than delivering it late,
// after a newer connection's data. The outbound buffer is discarded and
// OnClose follows, as with Close; there, UnackedAtClose tells what the reset
// may have discarded.
func (c *Conn) Abort() {
	if !c.open {
		return
	}
	if err := c.gc.SetLinger(0); err != nil {
		c.loop.r.log.Debugf("reactor: abort %v: %v", c.remote, err)
	}
	c.Close()
}

// CloseWrite shuts the connection's sending side (a TCP FIN after what the
// kernel holds): the peer reads end of file, and this side keeps reading
// until the peer closes too (OnClose then follows with its error, io.EOF
// for a graceful close). Loop only; nothing on a closed connection.
func (c *Conn) CloseWrite() {
	if !c.open {
		return
	}
	if err := unix.Shutdown(c.gc.Fd(), unix.SHUT_WR); err != nil {
		c.loop.r.log.Debugf("reactor: close write %v: %v", c.remote, err)
	}
}

// ReadRest reads, inside the handler's OnClose after a local close only,
// what the kernel received for the connection and nobody read yet, handing
// it to fn in pieces of at most len(buf) bytes (fn must not keep them),
// until the socket has nothing more, never blocking; as a peer still sending
// refills it, it stops after 4 × SO_RCVBUF. It returns the bytes read: what
// closing would otherwise have discarded unseen.
func (c *Conn) ReadRest(buf []byte, fn func([]byte)) int {
	if !c.closing || len(buf) == 0 {
		return 0
	}
	fd := c.gc.Fd()
	limit, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		limit = len(buf)
	}
	limit *= 4
	n := 0
	for n < limit {
		k, err := unix.Read(fd, buf[:min(len(buf), limit-n)])
		if err == unix.EINTR {
			continue
		}
		if k <= 0 {
			break // EAGAIN (nothing more now), EOF or an error
		}
		fn(buf[:k])
		n += k
	}
	return n
}

// UnackedAtClose returns, inside the handler's OnClose only, the bytes the
// kernel took for this connection (from Writev and the DirectWriter) that the peer
// has not acknowledged: an upper bound of what was written but may never
// arrive. TCP on Linux: the bytes taken minus TCP_INFO's bytes_acked, which
// holds even after a reset purged the send queue. Unix sockets on Linux:
// what the peer has not read yet (SIOCOUTQ). Elsewhere -1: unknown. A
// system call; outside OnClose it returns 0.
func (c *Conn) UnackedAtClose() int {
	if !c.closing {
		return 0
	}
	took := c.handed - uint64(c.gc.OutboundBuffered()) // what gnet still holds is discarded: see events.OnClose
	if c.direct != nil {
		took += c.direct.written.Load()
	}
	return unacked(c.gc.Fd(), took)
}

// Close closes the connection; OnClose follows with a nil error, before
// Close returns, so a caller iterating over its own connection set must
// expect OnClose to change it. Output still in the outbound buffer is
// discarded, never written (the sending side is shut first), so OnClose may
// count it lost exactly; what the kernel took before is still delivered.
// Closing a closed connection does nothing.
func (c *Conn) Close() {
	if !c.open {
		return
	}
	if err := c.gc.EventLoop().Close(c.gc); err != nil {
		c.loop.r.log.Debugf("reactor: close %v: %v", c.remote, err)
	}
}
