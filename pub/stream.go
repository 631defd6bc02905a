package pub

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/internal/backoff"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// Who owns a stream's connection state. Exactly one party owns it at a time:
// the dialer from creation until its connection opens, the connection's
// event loop from OnOpen to OnClose (which hands it back to the dialer), and
// nobody once finalized.
const (
	ownDialer int32 = iota
	ownLoop
	ownNone
)

// Connection states, for Shutdown's drain check.
const (
	stateDialing int32 = iota
	stateOpen
	stateBackoff
)

// stream is one stream key's connection and outbound ring. No padding
// separates fields written by different goroutines: in steady state nobody
// writes here per message (lastPub changes once per clock tick, the others
// when a connection opens, blocks or closes), and an idle stream's size
// matters with tens of thousands of them. The fields read on every Publish
// come first, on the object's first cache line.
type stream struct {
	// Read on every Publish; p, ring and key are read-only after newStream.
	p       *Publisher
	ring    *ring.Bytes
	lastPub atomic.Int64         // Publisher.clock at the last Publish
	link    atomic.Pointer[link] // the open connection, nil while none
	closing atomic.Bool          // set first by close: Stream handles look up the key again
	closed  atomic.Bool          // no publisher is inside any more: the owner finalizes
	key     any
	keyHash uint64 // keyHash(key), for spreading over resolved addresses
	opened  int64  // ns since Publisher.epoch

	// Atomic; the loop and the dialer.
	owner       atomic.Int32 // ownDialer, ownLoop or ownNone
	state       atomic.Int32 // stateDialing, stateOpen or stateBackoff
	reactorHeld atomic.Int64 // the reactor's outbound bytes at the last look
	finishing   atomic.Int64 // bytes an old connection's finisher still holds (link.finishHeld); any goroutine

	// Dialer-owned (scheduler and workers, handed over by channel), and the
	// connection's loop while it owns the stream.
	dialNext   *stream     // dialer inbox link
	dialQueued atomic.Bool // in the dialer inbox
	dialing    atomic.Bool // due for a dial: queued for a worker, or with one
	due        int64       // ns since Publisher.epoch
	heapIndex  int32       // int32s and a one-byte backoff: 144 B, not 176
	dials      int32
	bo         backoff.Small // 50 ms growing to 5 s
	inHeap     bool
	redial     bool
	failing    bool
}

// setReactorHeld records the reactor's outbound bytes, writing only on change
// (the common case is 0 after 0) to keep the cache line shared, and leaves
// the ring what MaxBuffer has beyond them (fitRing).
func (s *stream) setReactorHeld(n int64) {
	if s.reactorHeld.Load() != n {
		s.reactorHeld.Store(n)
		s.fitRing()
	}
}

// fitRing leaves the ring what MaxBuffer has beyond the bytes the reactor
// and a finisher hold. Any goroutine: when the loop and a finisher call it
// at once, the limit may lag one of their changes until the next call.
func (s *stream) fitRing() {
	s.ring.SetLimit(ringLimit(s.p.opts, int(s.reactorHeld.Load()+s.finishing.Load())))
}

func newStream(p *Publisher, key any) *stream {
	s := &stream{
		p:       p,
		key:     key,
		keyHash: keyHash(key),
		ring:    ring.NewBytesIn(ringLimit(p.opts, 0), p.budget),
		opened:  p.since(),
	}
	s.lastPub.Store(p.clock.Now())
	return s
}

// publish buffers one frame and schedules a flush. It returns false when the
// stream is closing (the caller retries on a fresh stream).
func (s *stream) publish(payload []byte) bool {
	d, ok := s.ring.TryPut(payload)
	if !ok { // sealed by close
		return false
	}
	if now := s.p.clock.Now(); s.lastPub.Load() != now {
		s.lastPub.Store(now)
	}
	if l := s.link.Load(); l != nil && s.p.opts.FlushFrequency == 0 {
		if l.direct == nil || !l.writeDirect() {
			// Load again: a direct write may have overlapped a reconnect,
			// whose first flush then found the frames in flight.
			if l := s.link.Load(); l != nil {
				l.ls.loop.Post(&l.flush)
			}
		}
	}
	if d.Frames > 0 {
		s.p.lost(metrics.Overflow, d.Frames, d.Bytes)
		// The loop is behind. When publishers are CPU-bound the event
		// loops (goroutines too) wait for a P; yielding here lets them
		// write instead of this goroutine dropping frame after frame.
		runtime.Gosched()
	}
	return true
}

// close closes s in two steps: sealing the ring makes publishes refuse (they
// retry on a fresh stream, the key being out of the table already) and waits
// out a Put in progress; then closed tells the owner to finalize s, counting
// what it could not send. Finalizing before the seal could empty the ring under
// a Put in progress, losing its message uncounted. Idempotent; not on a loop.
func (s *stream) close() {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	s.p.streams.remove(s)
	s.ring.Seal()
	s.closed.Store(true)
	if l := s.link.Load(); l != nil {
		l.ls.loop.Post(reactor.NewTask(l.closeConn)) // once per stream: not kept in the link
	}
	s.p.dialer.request(s) // wakes the dialer if it owns s
}

// finalize counts what s could not send and releases it. Its owner calls
// it once closed is set, so the ring is sealed and no Put is in progress;
// a second call does nothing.
func (s *stream) finalize() {
	if s.owner.Swap(ownNone) == ownNone {
		return
	}
	if d := s.ring.Discard(); d.Frames > 0 {
		s.p.lost(metrics.Disconnected, d.Frames, d.Bytes)
	}
	s.ring.Free()
	s.ring.Leave()
	s.p.m.Closed(time.Duration(s.p.since() - s.opened))
	s.p.streamGone()
}
