package reactor

import (
	"time"

	"golang.org/x/sys/unix"
)

// Finishing the output of a connection whose peer closed its side first
// (FinishHeld, the shadow): docs/reactor.md has the steps.

// finishReq is what FinishHeld asked for.
type finishReq struct {
	quit  <-chan struct{}
	bound time.Duration
	done  func(written, unacked int)
}

// FinishHeld asks, inside OnClose of a LingerFIN connection closed by its
// peer (io.EOF), that the output the reactor still holds be written after
// all, from another goroutine, before the socket closes. It reports false
// when that cannot be done (another close, nothing held, no exact count on
// this system): the held output is then discarded, never written. When it
// reports true, done is called exactly once, from any goroutine, with how
// many of the held bytes (OutboundBuffered inside OnClose) reached the
// socket, and when not all did, an upper bound of the bytes the kernel took
// that the peer did not acknowledge (-1: unknown). Writing stops when quit
// closes or no byte went out for bound. Its goroutine is not tied to the
// Reactor: close quit, and wait for done, before closing the Reactor.
func (c *Conn) FinishHeld(quit <-chan struct{}, bound time.Duration, done func(written, unacked int)) bool {
	if !c.closing || !c.finishable || c.finish != nil {
		return false
	}
	c.finish = &finishReq{quit: quit, bound: bound, done: done}
	return true
}

// keepShadow records the bytes of bufs that the last gnet Writev left in
// its outbound buffer: ob minus before, the tail of bufs. Loop only.
func (lg *lingerState) keepShadow(bufs [][]byte, before, ob int) {
	lg.trimShadow(before)
	skip := before - ob // becomes the bytes of bufs the socket took
	for _, b := range bufs {
		skip += len(b)
	}
	if skip < 0 {
		lg.shadowBad = true // cannot happen: gnet holds only what it was given
		return
	}
	for _, b := range bufs {
		k := min(skip, len(b))
		lg.shadow = append(lg.shadow, b[k:]...)
		skip -= k
	}
}

// trimShadow cuts the shadow to the last ob bytes, what gnet holds now, and
// reports whether it covers them all. Loop only.
func (lg *lingerState) trimShadow(ob int) bool {
	lg.shadowOff = max(lg.shadowOff, len(lg.shadow)-ob)
	if lg.shadowOff == len(lg.shadow) {
		lg.shadowOff = 0
		if cap(lg.shadow) > maxIdleShadow {
			lg.shadow = nil
		} else {
			lg.shadow = lg.shadow[:0]
		}
	}
	return !lg.shadowBad && len(lg.shadow)-lg.shadowOff == ob
}

// maxIdleShadow is the most shadow capacity a connection keeps while gnet
// holds nothing for it.
const maxIdleShadow = 64 << 10

// startFinish runs at the end of OnClose when the handler called
// FinishHeld (see the top of this file). held is the shadow, what gnet
// holds; took and before are what the socket had taken by then, as
// kernelTook and as Writev counted it (the origins differ: Linux's
// bytes_acked includes the SYN of an active open).
func (c *Conn) startFinish(fd int, held []byte, took, before uint64) {
	req := c.finish
	c.finish = nil
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		_ = unix.Shutdown(fd, unix.SHUT_WR) // gnet's write must fail: the count says discarded
		c.loop.r.log.Debugf("reactor: finish %v: dup: %v", c.remote, err)
		req.done(0, unacked(fd, before))
		return
	}
	barrier := make(chan struct{})
	c.loop.Post(NewTask(func() { close(barrier) }))
	r, remote := c.loop.r, c.remote
	go func() {
		select {
		case <-barrier: // gnet's close of fd is over
		case <-r.stopped: // so are the loops
		case <-req.quit: // the writer gives up: its frames are lost
			_ = unix.Close(dup)
			req.done(0, -1)
			return
		}
		now, ok := kernelTook(dup)
		if !ok || now < took || now-took > uint64(len(held)) {
			r.log.Warnf("reactor: finish %v: cannot tell what gnet wrote (%d then %d of %d held)", remote, took, now, len(held))
			_ = unix.Close(dup)
			req.done(0, -1)
			return
		}
		byGnet := int(now - took)
		n := writeAll(dup, held[byGnet:], req.quit, req.bound)
		written := byGnet + n
		un := 0
		if written < len(held) {
			un = unacked(dup, before+uint64(written))
		} else {
			time.Sleep(finLinger) // see finLinger
		}
		_ = unix.Close(dup)
		req.done(written, un)
	}()
}

// writeAll writes p to the non-blocking fd, waiting for POLLOUT, until all
// of it is written, quit closes, a write fails, or nothing went out for
// bound. It returns the bytes written.
func writeAll(fd int, p []byte, quit <-chan struct{}, bound time.Duration) int {
	n := 0
	last := time.Now()
	for n < len(p) {
		k, err := unix.Write(fd, p[n:])
		if k > 0 {
			n += k
			last = time.Now()
		}
		switch err {
		case nil, unix.EINTR:
			continue
		case unix.EAGAIN:
		default:
			return n
		}
		select {
		case <-quit:
			return n
		default:
		}
		wait := bound - time.Since(last)
		if wait <= 0 {
			return n
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if _, err := unix.Poll(fds, int(min(wait, finishPoll).Milliseconds())+1); err != nil && err != unix.EINTR {
			return n
		}
	}
	return n
}

// finishPoll is how often writeAll looks at quit while the socket is full.
const finishPoll = 20 * time.Millisecond
