package sub

import (
	"errors"
	"io"
	"time"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// conn is one accepted connection: a reactor.Handler whose methods all run on
// the connection's event loop. The first group of fields is set before Enroll
// and read-only after; the rest are event-loop only.
type conn struct {
	s    *Subscriber
	desc StreamDescriptor
	m    *metrics.Addr
	peer *metrics.Peer // nil without per-peer metrics

	rc           *reactor.Conn
	ls           *loopState  // the loop's state (set in OnOpen)
	lane         *ring.Lane  // the receive queue's lane of this loop; nil with a Handler
	pending      *[]byte     // a partial frame (header and what arrived of its payload); nil when none
	held         int         // PendingBytes budget held for pending's buffer
	pendingSince int64       // Subscriber.clock when the partial frame started
	lastSeen     int64       // Subscriber.clock when the connection opened or a frame last completed
	slot         int         // index in loopState.conns (SetIndex)
	openedAt     int64       // UnixNano at OnOpen
	maxAge       int64       // MaxConnectionAge, jittered; 0: none
	drainSince   int64       // Subscriber.clock when draining began
	proxy        *proxyState // ProxyProtocol only, from the first data on
	dead         bool        // bad input seen: ignore further data until OnClose
	discarding   bool        // OnClose is reading what the kernel still held: count it, deliver nothing
	draining     bool        // the write side is closed: waiting for the publisher to close its side
	proxyWait    bool        // ProxyProtocol: the header has not arrived yet
	closed       bool        // OnClose ran (for the peer hand-back task)
}

// remote names the publisher in logs: the host a PROXY header named, else
// the connection's remote address.
func (c *conn) remote() string {
	if p := c.proxy; p != nil && p.host != "" {
		return p.host
	}
	return c.rc.RemoteAddr().String()
}

// OnOpen registers the connection with its loop's idle sweep.
func (c *conn) OnOpen(rc *reactor.Conn) {
	c.rc = rc
	// The exact time, not the coarse clock, which lags a tick or more: a stale
	// start would let the sweep close an idle connection before KeepaliveTimeout.
	c.openedAt = time.Now().UnixNano()
	c.lastSeen = c.openedAt
	c.maxAge = c.s.opts.maxAge()
	if c.s.opts.ProxyProtocol {
		c.proxyWait = true
		c.pendingSince = c.lastSeen // FrameTimeout bounds the wait for the header
	}
	c.s.open.Add(1)
	c.ls = c.s.loops[rc.Loop().Index()]
	c.ls.conns.Add(c)
	if c.s.queue != nil {
		c.lane = c.s.queue.Lane(rc.Loop().Index())
	}
	c.m.Opened()
	c.s.log.Debugf("stream %d open from %s", c.desc, rc.RemoteAddr())
}

// OnClose accounts for a frame cut short and unregisters the connection.
// After a local close (Close, Listen's end, a timeout) it first reads what
// the kernel had received and nobody read: those messages are counted lost
// (disconnected) instead of vanishing with the socket.
func (c *conn) OnClose(rc *reactor.Conn, err error) {
	if err == nil && !c.dead {
		c.discardRest(rc)
	}
	if c.pending != nil {
		c.m.Lost(metrics.Truncated, 1, len(*c.pending))
		c.s.log.Debugf("stream %d: closed inside a frame (%d bytes received)", c.desc, len(*c.pending))
	}
	c.releasePending()
	c.ls.conns.Remove(c)
	c.m.Closed(time.Duration(time.Now().UnixNano() - c.openedAt))
	c.peer.Close()
	c.closed = true
	if c.draining && errors.Is(err, io.EOF) {
		c.m.Count(metrics.Drained)
	}
	if c.s.open.Add(-1) == 0 || c.s.draining.Load() {
		select {
		case c.s.connGone <- struct{}{}:
		default:
		}
	}
	if err != nil {
		c.s.log.Debugf("stream %d closed: %v", c.desc, err)
	}
}

// OnData parses every complete frame in data in place, delivers the batch,
// keeps a trailing partial frame, and counts the batch once.
func (c *conn) OnData(rc *reactor.Conn, data []byte) {
	if c.dead {
		return
	}
	if c.proxyWait {
		var err error
		if data, err = c.proxyHeader(data); err != nil {
			c.fail(err)
			return
		}
		if c.proxyWait || len(data) == 0 {
			return
		}
	}
	msgs, size, err := c.feed(data)
	if c.lane != nil {
		// One publication per traffic event: Receive callers see the
		// batch at once, and share no cache line with the loop per frame.
		d := c.lane.Publish()
		d.Frames += c.ls.full.Frames
		d.Bytes += c.ls.full.Bytes
		c.ls.full = ring.Dropped{}
		if d.Frames > 0 {
			c.s.listenMetrics.Lost(metrics.QueueFull, d.Frames, d.Bytes)
		}
	}
	if msgs > 0 {
		// KeepaliveTimeout counts per whole message, as the original's deadline.
		c.lastSeen = c.s.clock.Now()
		c.m.Transferred(msgs, size)
		c.peer.Transferred(msgs, size)
	}
	if err != nil {
		c.fail(err)
	}
}

// feed delivers the frames completed by data and keeps the rest in
// c.pending. It returns the messages delivered and their payload bytes, and
// the first bad-input error (after which data is ignored).
func (c *conn) feed(data []byte) (msgs, size int, err error) {
	max := c.s.opts.MaxPayload
	if c.pending != nil {
		var done bool
		if data, done, err = c.fill(data, max); !done {
			return 0, 0, err
		}
		p, _, _, _ := codec.Parse(*c.pending, max)
		c.deliver(p)
		msgs, size = 1, len(p)
		c.releasePending()
	}
	for len(data) > 0 {
		p, n, need, err := codec.Parse(data, max)
		if err != nil {
			return msgs, size, err
		}
		if n == 0 {
			if err := c.appendPending(data, startCap(len(data), need), len(data)+need); err != nil {
				return msgs, size, err
			}
			break
		}
		c.deliver(p)
		msgs++
		size += len(p)
		data = data[n:]
	}
	return msgs, size, nil
}

// fill moves bytes of data into the pending frame until it is complete or
// data runs out, returning the rest of data and whether the frame is complete.
func (c *conn) fill(data []byte, max int) (rest []byte, done bool, err error) {
	for {
		_, n, need, err := codec.Parse(*c.pending, max)
		switch {
		case err != nil:
			return nil, false, err
		case n > 0:
			return data, true, nil
		case len(data) == 0:
			return nil, false, nil
		case headerLen(*c.pending) == 0:
			// The length prefix is still incomplete: take one more byte.
			if err := c.appendPending(data[:1], 0, len(*c.pending)+1); err != nil {
				return nil, false, err
			}
			data = data[1:]
		default:
			k := min(need, len(data))
			if err := c.appendPending(data[:k], 0, len(*c.pending)+need); err != nil {
				return nil, false, err
			}
			data = data[k:]
		}
	}
}

// discardRest counts the frames the kernel still held for the connection
// as lost, leaving a trailing partial frame in pending. OnClose only.
func (c *conn) discardRest(rc *reactor.Conn) {
	ls := c.ls
	if ls.scratch == nil {
		ls.scratch = make([]byte, 64<<10)
	}
	ls.discarded = ring.Dropped{}
	c.discarding = true
	var ferr error
	rc.ReadRest(ls.scratch, func(b []byte) {
		if ferr == nil && c.proxyWait { // the PROXY header first, as in OnData
			b, ferr = c.proxyHeader(b)
		}
		if ferr == nil && len(b) > 0 {
			_, _, ferr = c.feed(b)
		}
	})
	c.discarding = false
	if d := ls.discarded; d.Frames > 0 {
		c.m.Lost(metrics.Disconnected, d.Frames, d.Bytes)
	}
	if ferr != nil {
		c.fail(ferr)
	}
}

// deliver hands one payload to the handler or the receive queue.
func (c *conn) deliver(p []byte) {
	s := c.s
	if c.discarding {
		c.ls.discarded.Frames++
		c.ls.discarded.Bytes += len(p)
		return
	}
	if s.handler != nil {
		s.handler(p, c.desc)
		return
	}
	if d := c.lane.Put(uint32(c.desc), p); d.Frames > 0 {
		c.ls.full.Frames += d.Frames
		c.ls.full.Bytes += d.Bytes
	}
}

// fail closes the connection after bad input: one log line, one count.
func (c *conn) fail(err error) {
	reason, n := metrics.Malformed, 0
	switch {
	case errors.Is(err, codec.ErrTooBig):
		reason = metrics.TooBig
	case errors.Is(err, errPendingBudget):
		reason = metrics.Truncated
		if c.pending != nil {
			n = len(*c.pending)
		}
	}
	c.m.Lost(reason, 1, n)
	c.s.log.Warnf("stream %d from %s: %v: closing the connection", c.desc, c.remote(), err)
	c.dead = true
	c.releasePending()
	c.rc.Close()
}

// headerLen returns the length of the complete uvarint at the start of p, or
// 0 when p ends inside it.
func headerLen(p []byte) int {
	for i, b := range p {
		if b < 0x80 {
			return i + 1
		}
	}
	return 0
}

// startCap is the first capacity of a pending buffer: what arrived, plus
// what is missing only when that is small, so that a claimed length is not
// allocated before its bytes arrive.
func startCap(have, need int) int {
	return have + min(need, max(have, 512))
}

// SetIndex is where the connection keeps its index in its loop's reactor.Set.
func (c *conn) SetIndex() *int { return &c.slot }
