package reactor

import (
	"errors"
	"io"
	"time"

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

// events adapts gnet's EventHandler to Handler; every gnet conn carries its
// *Conn as context (EnrollContext). All methods run on the conn's loop.
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

// finLinger delays the FIN that closing a connection the peer closed first
// sends. A proxy in between (HAProxy in TCP mode) may reset its connection
// to the subscriber as soon as it reads that FIN, discarding what it had not
// yet passed on (the last frames, written just before): the delay lets them
// through first.
const finLinger = 10 * time.Millisecond

// lingerFIN keeps fd's socket open for finLinger after gnet closes fd, by
// a duplicate closed by a timer (runtime timers cost no goroutine until
// they fire, once). When the duplicate cannot be made, the FIN goes now.
func lingerFIN(fd int) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return
	}
	time.AfterFunc(finLinger, func() { unix.Close(dup) })
}

// shutWrite shuts fd's sending side: gnet's best-effort write of its
// output after OnClose then fails, so the output the handler counts lost
// never arrives.
func shutWrite(r *Reactor, c *Conn, fd int, err error) {
	if serr := unix.Shutdown(fd, unix.SHUT_WR); serr != nil && err == nil {
		r.log.Debugf("reactor: close %v: shutdown: %v", c.remote, serr)
	}
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
// peer closed its side (end of file: a subscriber draining, still reading)
// it first writes what the socket takes of gnet's output; what gnet holds
// after that is finished (LingerFIN and FinishHeld, see finish.go) or never
// written (shutWrite: the kernel delivers what it took before, then a FIN).
func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	eof := errors.Is(err, io.EOF)
	if eof && gc.OutboundBuffered() > 0 {
		_ = gc.Flush() // the peer still reads: give it what the socket takes now
	}
	fd, ob := gc.Fd(), gc.OutboundBuffered()
	took := c.handed - uint64(ob)
	if c.direct != nil {
		took += c.direct.written.Load()
	}
	var kernel uint64 // kernelTook's count now, for startFinish
	lg := c.linger
	if eof && lg != nil && ob > 0 && lg.trimShadow(ob) {
		kernel, c.finishable = kernelTook(fd)
	}
	if eof && c.lingers && !c.finishable {
		lingerFIN(fd)
	}
	if ob > 0 && !c.finishable {
		shutWrite(e.r, c, fd, err)
	}
	c.open = false
	if c.direct != nil {
		c.direct.markClosed()
	}
	c.closing = true
	c.h.OnClose(c, err)
	c.closing = false
	if c.finishable {
		c.finishable = false
		if c.finish != nil {
			c.startFinish(fd, lg.shadow[lg.shadowOff:], kernel, took)
		} else {
			lingerFIN(fd)
			shutWrite(e.r, c, fd, err)
		}
	}
	if lg != nil {
		lg.shadow, lg.shadowOff = nil, 0
	}
	return gnet.None
}
