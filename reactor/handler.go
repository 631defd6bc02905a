package reactor

import (
	"errors"
	"io"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Handler receives a connection's events. Every method runs on the
// connection's event loop and must not block.
type Handler interface {
	// OnOpen runs once, before any other event of c, and before the Enroll
	// that enrolled c returns.
	OnOpen(c *Conn)
	// OnData receives bytes read from c. data aliases the loop's read buffer
	// and is valid only during the call: the handler consumes all of it,
	// copying whatever it must keep (such as a trailing partial frame).
	OnData(c *Conn, data []byte)
	// OnClose runs once when c has closed: err is nil for a local close
	// (Conn.Close, Reactor.Close) and the cause otherwise. c is not writable
	// any more.
	OnClose(c *Conn, err error)
}

// events adapts gnet's EventHandler to Handler. Every gnet conn carries its
// *Conn as context (passed to EnrollContext). All methods run on the conn's
// loop.
type events struct {
	gnet.BuiltinEventEngine
	r *Reactor
}

// OnOpen binds the *Conn to its gnet conn and loop, then calls the handler.
func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return nil, gnet.Close // not enrolled by us; cannot happen
	}
	c.gc = gc
	if c.loop == nil { // wake conns know their Loop already
		c.loop = e.r.loopFor(gc.EventLoop())
	}
	c.open = true
	c.h.OnOpen(c)
	return nil, gnet.None
}

// OnTraffic hands everything read to the handler. Next(-1) is a view of the
// loop's read buffer as long as gnet's per-conn inbound ring is empty, and
// it stays empty because we always consume all bytes.
func (e *events) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.Close
	}
	data, _ := gc.Next(-1)
	if len(data) > 0 { // 0 bytes: a gnet Wake, which we never use
		c.h.OnData(c, data)
	}
	return gnet.None
}

// OnClose marks the *Conn closed before its handler learns of it. When the
// peer closed its side (end of file: a subscriber draining) it first
// writes what the socket takes of gnet's output. It shuts the socket's
// sending side when gnet still holds output for it:
// gnet writes that output best-effort after OnClose, and the handler counts
// it lost, so it must never arrive (the kernel still delivers what it took
// before, then a FIN).
func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	if gc.OutboundBuffered() > 0 && errors.Is(err, io.EOF) {
		// The peer closed its side (a subscriber draining): it still
		// reads, so give it what the socket takes now.
		_ = gc.Flush()
	}
	if gc.OutboundBuffered() > 0 {
		if serr := unix.Shutdown(gc.Fd(), unix.SHUT_WR); serr != nil && err == nil {
			e.r.log.Debugf("reactor: close %v: shutdown: %v", c.remote, serr)
		}
	}
	c.open = false
	if c.side != nil {
		c.side.markClosed()
	}
	c.closing = true
	c.h.OnClose(c, err)
	c.closing = false
	return gnet.None
}
