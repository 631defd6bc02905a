package pub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/internal/addr"
	"github.com/nanoq/nq/internal/logx"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = ring.ErrClosed

// ErrTooBig is wrapped by Publish for a payload above MaxPayload.
var ErrTooBig = codec.ErrTooBig

// ErrInvalidKey is wrapped by Publish for a stream key that is not comparable
// (a slice, a map, a func, or a struct or array holding one): keys are map keys.
var ErrInvalidKey = errors.New("nanoq: stream key is not comparable")

// Publisher sends messages to one subscriber address over one connection
// per stream key.
type Publisher struct {
	// Read-only after New.
	addr   addr.Addr
	opts   Options
	log    *logx.Logger
	m      *metrics.Addr
	r      *reactor.Reactor
	shared bool // r is the process-wide reactor
	loops  []*loopState
	dialer *dialer
	batch  int           // bytes per writev at most on a congested connection (batchLimit)
	budget *ring.Budget  // MaxBufferTotal, under the shared reactor's budget if shared
	quit   chan struct{} // closed when shutting down

	streams   streamTable   // stream key → *stream
	live      atomic.Int64  // streams not yet finalized
	gone      chan struct{} // capacity 1: live reached 0 while closing
	done      chan struct{} // closed when Shutdown has finished
	closed    atomic.Bool   // set once, by the first Shutdown
	unsent    atomic.Int64  // messages lost since Shutdown began (see lost)
	finishing atomic.Int64  // hand-overs whose old connection still writes held frames (finishHeld)
	clock     reactor.Clock // advanced by the timer goroutine
	epoch     time.Time     // read-only: the monotonic origin of since

	reported int // buffered bytes last reported: timer goroutine, then Shutdown
	wg       sync.WaitGroup
}

// New returns a Publisher for url (tcp://, tcp4://, tcp6:// or
// unix:///path). It dials nothing until the first Publish of each key.
func New(url string, opts Options) (p *Publisher, err error) {
	a, opts, err := addr.ParseWith(url, opts, Options.withDefaults)
	if err != nil {
		return nil, err
	}
	p = &Publisher{
		addr:  a,
		opts:  opts,
		log:   logx.New(opts.Printf, opts.Logger),
		m:     opts.Metrics.Pub(a.String()),
		batch: batchLimit(opts),
		quit:  make(chan struct{}),
		gone:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		epoch: time.Now(),
	}
	var parent *ring.Budget
	if opts.EventLoops > 0 {
		p.r, err = reactor.Start(reactor.Config{Loops: opts.EventLoops, Logger: p.log})
	} else {
		p.r, parent, err = acquireShared(opts.MaxBufferTotal)
		p.shared = true
	}
	if err != nil {
		return nil, fmt.Errorf("nanoq: publisher %s: %w", a, err)
	}
	p.budget = ring.NewBudget(int64(opts.MaxBufferTotal), parent, func(d ring.Dropped) {
		p.lost(metrics.Overflow, d.Frames, d.Bytes)
	})
	p.loops = make([]*loopState, p.r.NumLoops())
	for i := range p.loops {
		p.loops[i] = newLoopState(p, p.r.Loop(i))
	}
	p.clock.Set(time.Now())
	p.dialer = newDialer(p)
	p.wg.Add(1)
	go p.tick()
	return p, nil
}

// Publish sends payload on the stream of streamKey, opening the stream (and
// dialing its connection, off the caller's goroutine) on first use. It never
// blocks on the network: a nil error means the message was buffered. A
// payload above MaxPayload returns an error wrapping ErrTooBig; after Close,
// ErrClosed; a key that is not comparable, ErrInvalidKey. Messages of one
// key go out in the order Publish was called. ctx is checked only on entry:
// Publish does not wait (a nil ctx is taken as context.Background()).
func (p *Publisher) Publish(ctx context.Context, payload []byte, streamKey any) error {
	if ctx != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if p.closed.Load() {
		return ErrClosed
	}
	if len(payload) > p.opts.MaxPayload {
		return p.tooBig(len(payload))
	}
	for {
		s, err := p.stream(streamKey)
		if err != nil {
			return err
		}
		if s.publish(payload) {
			return nil
		}
		// s closed (idle) between the lookup and the put: use a fresh one.
	}
}

func (p *Publisher) tooBig(n int) error {
	p.m.Lost(metrics.TooBig, 1, codec.HeaderLen(n)+n) // wire bytes, as every pub byte count
	return fmt.Errorf("nanoq: publish %d bytes, MaxPayload %d: %w", n, p.opts.MaxPayload, ErrTooBig)
}

// stream returns the open stream of key, creating it on first use.
func (p *Publisher) stream(key any) (*stream, error) {
	if !comparableKey(key) {
		return nil, fmt.Errorf("nanoq: publish: key of type %T: %w", key, ErrInvalidKey)
	}
	if s := p.streams.load(key); s != nil {
		return s, nil
	}
	if p.closed.Load() {
		return nil, ErrClosed
	}
	s := newStream(p, key)
	if v, stored := p.streams.loadOrStore(s); !stored {
		return v, nil
	}
	p.live.Add(1)
	p.m.Opened()
	if p.closed.Load() { // Shutdown ran between the check and the store
		s.close() // another Publish may be inside s already: close waits
		return nil, ErrClosed
	}
	p.dialer.request(s)
	return s, nil
}

// comparableKey reports whether key can be a map key without a panic. The
// common key types take the type switch; the rest, reflect (no allocation).
func comparableKey(key any) bool {
	switch key.(type) {
	case nil, int, string, int64, uint64, int32, uint32, uint, uint16, int16, uint8, int8, bool:
		return true
	}
	return reflect.ValueOf(key).Comparable()
}

// Stream returns a handle that publishes on streamKey without looking the
// key up on every call. Its Publish returns ErrInvalidKey for a key that
// is not comparable.
func (p *Publisher) Stream(streamKey any) *Stream {
	return &Stream{p: p, key: streamKey}
}

// Stream is a handle on one stream key of a Publisher. Safe for concurrent use.
type Stream struct {
	p   *Publisher
	key any
	s   atomic.Pointer[stream] // the open stream last used
}

// Publish is Publisher.Publish on the handle's key. It never blocks (it
// buffers, dropping the oldest when full), so it takes no ctx: Publisher.Publish
// has one for the seed's signature, and only checks it on entry.
func (h *Stream) Publish(payload []byte) error {
	p := h.p
	if p.closed.Load() {
		return ErrClosed
	}
	if len(payload) > p.opts.MaxPayload {
		return p.tooBig(len(payload))
	}
	for {
		s := h.s.Load()
		if s == nil || s.closing.Load() {
			var err error
			if s, err = p.stream(h.key); err != nil {
				return err
			}
			h.s.Store(s)
		}
		if s.publish(payload) {
			return nil
		}
	}
}

// Buffered returns the bytes (frames with their length prefixes) buffered for
// the handle's stream now, in its ring and in the reactor: a snapshot that
// never blocks, cheap enough to call per message. A producer that must not
// lose messages can pace itself on it: near MaxBuffer, Publish starts dropping
// the oldest frames.
func (h *Stream) Buffered() int {
	s := h.s.Load()
	if s == nil || s.closing.Load() {
		return 0
	}
	return s.ring.Len() + int(s.reactorHeld.Load()+s.finishing.Load())
}

// since returns the nanoseconds since p's creation, monotonic: the
// timestamps that streams and links keep.
func (p *Publisher) since() int64 { return int64(time.Since(p.epoch)) }

// Addr returns the destination address.
func (p *Publisher) Addr() net.Addr { return p.addr }

// tick runs on its own goroutine: it advances the coarse clock, closes idle
// streams, gives drained rings' memory back, and drives FlushFrequency.
func (p *Publisher) tick() {
	defer p.wg.Done()
	sweepEvery := min(p.opts.KeepaliveTimeout/4, 250*time.Millisecond)
	period := max(min(sweepEvery, cmp.Or(p.opts.FlushFrequency, sweepEvery)), time.Millisecond)
	var lastSweep time.Time
	p.clock.Run(p.quit, period, func(now time.Time) {
		if p.opts.FlushFrequency > 0 {
			for _, l := range p.loops {
				l.loop.Post(l.flushAll)
			}
		}
		if now.Sub(lastSweep) >= sweepEvery {
			lastSweep = now
			p.sweep(now.UnixNano(), sweepEvery)
		}
	})
}

// sweep closes idle streams (see KeepaliveTimeout), frees the empty rings of
// streams with nothing published for two periods (sweeps run every period),
// and reports the buffered bytes. Timer goroutine only. A busy stream keeps
// its ring even when a sweep finds it empty: freeing it would make the next
// Puts grow a new one from the smallest size again.
func (p *Publisher) sweep(now int64, period time.Duration) {
	ka := int64(p.opts.KeepaliveTimeout)
	buffered := 0
	p.streams.each(func(s *stream) bool {
		idle := now - s.lastPub.Load()
		// Connected, it must also have nothing left to write (see KeepaliveTimeout).
		if idle > ka && (s.link.Load() == nil || s.ring.Len()+int(s.reactorHeld.Load()) == 0) {
			p.log.Debugf("stream %v to %s idle for %v: closing", s.key, p.addr, p.opts.KeepaliveTimeout)
			s.close()
			return true
		}
		if idle >= 2*int64(period) { // the clock is coarse: a period behind at most
			s.ring.Free()
		}
		buffered += s.ring.Len() + int(s.reactorHeld.Load())
		return true
	})
	p.m.Buffered(buffered - p.reported)
	p.reported = buffered
}
