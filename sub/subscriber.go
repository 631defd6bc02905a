package sub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/internal/addr"
	"github.com/nanoq/nq/internal/logx"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// readBufferCap is each event loop's read buffer, the most one traffic event
// reads: larger reads mean fewer system calls per message (see the README).
const readBufferCap = 256 << 10

// ErrClosed is returned by operations on a closed Subscriber.
var ErrClosed = ring.ErrClosed

// Subscriber binds an address and receives the messages publishers send to it.
type Subscriber struct {
	// Set by New, read-only afterwards.
	addr          addr.Addr
	opts          Options
	log           *logx.Logger
	handler       Handler
	queue         *ring.Queue    // nil when handler is set
	listenMetrics *metrics.Addr  // every connection's and the listener's (label addr: the listen address)
	peers         *metrics.Peers // per-peer series; nil with NoPeerMetrics
	quit          chan struct{}  // closed by Close

	// Guarded by mu: binding and closing.
	mu         sync.Mutex
	ln         net.Listener
	reactor    *reactor.Reactor
	loops      []*loopState // index = reactor loop index; each element loop-only
	bound      atomic.Pointer[net.Addr]
	closing    bool
	stopped    chan struct{} // closed when the first stop is done
	acceptDone chan struct{} // set by Bind; closed once the accepting goroutines returned

	// Any goroutine, unless marked otherwise.
	accepting   atomic.Int32  // accepting goroutines still running
	lastDesc    atomic.Uint32 // the last StreamDescriptor given out
	draining    atomic.Bool   // set by Drain (the loops read it in OnClose)
	drainSpread int64         // Drain's bound on its FINs' spread, ns (spreadBound); written before it posts drainAll
	open        atomic.Int64  // connections between OnOpen and OnClose
	connGone    chan struct{} // capacity 1: signalled by OnClose while draining or when open drops to 0
	// proxyInbox holds connections whose PROXY header named a publisher, for
	// the timer goroutine to open its peer series (linked by proxyState.next).
	proxyInbox    ring.Stack[conn]
	wg            sync.WaitGroup // the accepting and timer goroutines
	reportedQueue int            // queue size last added to the buffered gauge: timer goroutine, then Close
	clock         reactor.Clock  // coarse ns clock for idle tracking, advanced by the timer goroutine
	pendingHeld   atomic.Int64   // all partial-frame buffers' capacity, within opts.PendingBytes (the loops)
}

// New returns a Subscriber for url (tcp://, tcp4://, tcp6:// or unix:///path).
// It binds nothing yet: see Bind and Listen.
func New(url string, opts Options) (*Subscriber, error) {
	a, opts, err := addr.ParseWith(url, opts, Options.withDefaults)
	if err != nil {
		return nil, err
	}
	var queue *ring.Queue // nil when a handler is set
	if opts.Handler == nil {
		queue = ring.NewQueue(opts.QueueBytes, opts.EventLoops)
	}
	s := &Subscriber{
		addr:          a,
		opts:          opts,
		log:           logx.New(opts.Printf, opts.Logger),
		handler:       opts.Handler,
		queue:         queue,
		listenMetrics: opts.Metrics.Sub(a.String()),
		quit:          make(chan struct{}),
		stopped:       make(chan struct{}),
		connGone:      make(chan struct{}, 1),
	}
	if !opts.NoPeerMetrics {
		s.peers = opts.Metrics.Peers(a.String())
	}
	s.clock.Set(time.Now())
	return s, nil
}

// Bind binds the address and starts serving in the background; it returns
// once the address is bound (see Addr) or with the bind error. Binding a
// bound Subscriber does nothing.
func (s *Subscriber) Bind() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	if s.ln != nil {
		return nil
	}
	ln, err := listen(s.addr, s.opts.ReusePort)
	if err != nil {
		return err
	}
	r, err := reactor.Start(reactor.Config{Loops: s.opts.EventLoops, Logger: s.log, ReadBufferCap: readBufferCap})
	if err != nil {
		ln.Close()
		return fmt.Errorf("nanoq: subscriber %s: %w", s.addr, err)
	}
	s.ln, s.reactor = ln, r
	s.loops = make([]*loopState, r.NumLoops())
	for i := range s.loops {
		s.loops[i] = newLoopState(s, r.Loop(i))
	}
	la := ln.Addr()
	s.bound.Store(&la)
	s.log.Infof("listen %s", la)
	s.wg.Add(1 + acceptors)
	s.acceptDone = make(chan struct{})
	s.accepting.Store(acceptors)
	for range acceptors {
		go s.accept(ln)
	}
	go s.tick()
	return nil
}

// Listen binds (unless Bind already did) and serves until ctx is done or the
// Subscriber is closed; a bind failure returns at once. When ctx ends it stops
// accepting, closes every connection and returns ctx.Err(); messages already
// queued stay available to Receive, which returns them and then an error
// matching both ErrClosed and ctx.Err() (errors.Is). When Close ends it,
// Listen returns ErrClosed. A nil ctx is taken as context.Background().
func (s *Subscriber) Listen(ctx context.Context) error {
	if err := s.Bind(); err != nil {
		return err
	}
	ctx = cmp.Or(ctx, context.Background())
	select {
	case <-ctx.Done():
		err := ctx.Err()
		s.stop(fmt.Errorf("nanoq: subscriber %s stopped listening: %w (%w)", s.addr, ErrClosed, err))
		return err
	case <-s.quit:
		return ErrClosed
	}
}

// Addr returns the bound address (with the real port when the URL asked for
// port 0), or nil before Bind.
func (s *Subscriber) Addr() net.Addr {
	if p := s.bound.Load(); p != nil {
		return *p
	}
	return nil
}

// URL returns the bound address as a nanoQ URL for publishers to dial
// (tcp4://127.0.0.1:40123 with the real port, unix:///path), or "" before Bind.
func (s *Subscriber) URL() string {
	a := s.Addr()
	if a == nil {
		return ""
	}
	return s.addr.Net + "://" + a.String()
}

// Close stops accepting, closes every connection, discards the messages still
// queued for Receive (counted lost, reason disconnected), wakes Receive
// callers (they return ErrClosed, or Listen's error if its ctx ended first)
// and removes a unix socket file it created. Idempotent; it returns once the
// Subscriber's goroutines and event loops have exited: as long as closing the
// connections takes (no timeout: nothing waits for a peer).
func (s *Subscriber) Close() error {
	err := s.stop(ErrClosed)
	if s.queue != nil {
		d := s.queue.Close() // a second Close finds nothing
		s.listenMetrics.Lost(metrics.Disconnected, d.Frames, d.Bytes)
	}
	return err
}

// stop stops accepting, closes every connection and the event loops, then
// ends the receive queue with endErr: Receive returns what is queued, then
// endErr. Later calls wait for the first and return nil.
func (s *Subscriber) stop(endErr error) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.stopped
		return nil
	}
	s.closing = true
	close(s.quit)
	ln, r := s.ln, s.reactor
	s.mu.Unlock()
	defer close(s.stopped)

	var err error
	if ln != nil {
		// The accepting goroutines return. After Drain closed it, Close
		// reports net.ErrClosed: nothing to say.
		if cerr := ln.Close(); !errors.Is(cerr, net.ErrClosed) {
			err = cerr
		}
	}
	s.wg.Wait()
	if r != nil {
		// The loops publish every frame they parsed before they exit.
		if rerr := r.Close(); err == nil {
			err = rerr
		}
	}
	s.peers.Sweep() // every connection has closed
	if s.queue != nil {
		s.queue.End(endErr)
		s.listenMetrics.Buffered(-s.reportedQueue) // the timer goroutine has exited
		s.reportedQueue = 0
	}
	if ln != nil {
		s.log.Infof("closed %s", ln.Addr())
	}
	return err
}
