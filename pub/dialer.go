package pub

import (
	"container/heap"
	"context"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/ring"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// dialWorkers dial in parallel, whatever the number of streams. While
// streams wait for a free worker (a hand-over of every stream at once, a
// publisher's first Publish on thousands of keys) the scheduler adds spare
// ones, which leave after spareWorkerIdle without work: up to maxDialWorkers
// in all while streams that were connected wait (reconnects, hand-overs:
// their newer frames wait in the ring), or when no dial has completed for
// stallAfter (so that dials waiting out an unreachable address's timeout
// do not hold up other streams' connections); up to busyDialWorkers
// otherwise, for first dials that complete.
//
// Hand-overs want the many workers: a dial ends waiting for its event loop
// to enroll the connection, and a busy loop takes milliseconds, so 300
// streams handed over at once, 16 at a time, took 1.5 times as long
// (bench/cmd/rolling, 300 streams: p99.9 per hand-over 46–56 ms against
// 31–32 ms with 256).
//
// Dials that complete are mostly CPU on a private network: 16 workers
// connect 15,000 streams on loopback in 2.7–3.3 s, where 256 took
// 2.4–2.6 s, and each idle stream then holds 0.15 KiB less resident
// memory (1.48 KiB, not 1.63–1.67: the goroutines' stacks, and the
// garbage of more dials at once leaving holes in the heap's spans).
// stallAfter is long beside a handshake, because on a busy machine a
// window of 2 or even 20 ms without a completed dial happens in such a
// burst (the workers wait for a P), and spawned all 256.
//
// The cost of the cap: first dials to a far subscriber, whose handshakes
// complete but take a round trip of 50 ms, connect 320 streams a second,
// where 256 workers connected 5,000. Telling those apart from dials slowed
// by a busy machine failed here: in the burst of 15,000 on loopback, 2 %
// of the handshakes took 20 ms to over 100 ms, bunched together (the
// kernel's deferred network processing competes with the processes).
const (
	dialWorkers     = 4
	busyDialWorkers = 16
	maxDialWorkers  = 256
	spareWorkerIdle = time.Second
	// readyRecheck is how often the scheduler looks at the workers while
	// streams wait for one: a worker that took the last stream may have been
	// idle at the previous look.
	readyRecheck = 5 * time.Millisecond
)

// stallAfter is a variable, not a constant, so that tests can move it.
var stallAfter = 100 * time.Millisecond

// dialer connects streams off the publishing goroutines and the event loops
// (gnet deadlocks when a loop enrolls), with jittered exponential backoff
// between attempts. Anyone hands it a stream with request, which never
// blocks or locks; one scheduler goroutine owns the schedule and passes due
// streams to the workers.
type dialer struct {
	p      *Publisher
	inbox  ring.Stack[stream] // linked by stream.dialNext
	wake   chan struct{}      // capacity 1: the inbox has news
	work   chan *stream
	ctx    context.Context // cancelled when dials must stop
	cancel context.CancelFunc
	sched  dialHeap  // waiting for their due time; scheduler goroutine only
	ready  []*stream // due, waiting for a free worker; scheduler goroutine only
	nd     net.Dialer

	workers atomic.Int32 // running worker goroutines
	idle    atomic.Int32 // of those, waiting for work
	dialed  atomic.Int64 // dials completed, failed or not
	// Scheduler goroutine only: dialed when it last changed, and then.
	lastDialed int64
	progressAt int64        // ns since Publisher.epoch
	reconnects int          // streams in ready that were connected before
	peak       atomic.Int32 // the most workers addWorker left running (tests)

	gaugeMu sync.Mutex
	gauges  map[netip.AddrPort]*metrics.Gauge // per dialed address, shared by its links (one each was 16 B per stream)
}

func newDialer(p *Publisher) *dialer {
	d := &dialer{
		p:    p,
		wake: make(chan struct{}, 1),
		work: make(chan *stream),
		nd:   net.Dialer{Timeout: p.opts.ConnectTimeout},
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	p.wg.Add(1 + dialWorkers)
	go d.schedule()
	d.workers.Store(dialWorkers)
	for range dialWorkers {
		go d.worker(false)
	}
	return d
}

// addWorker starts as many spare workers as streams wait, within the cap
// (busyDialWorkers, or maxDialWorkers while reconnects wait or dials
// stall), when no worker is free. Scheduler goroutine only (it is counted
// in p.wg, so Add is safe).
func (d *dialer) addWorker(now int64) {
	if n := d.dialed.Load(); n != d.lastDialed {
		d.lastDialed, d.progressAt = n, now
	}
	if len(d.ready) < 2 || d.idle.Load() > 0 {
		return
	}
	limit := busyDialWorkers
	if d.reconnects > 0 || now-d.progressAt >= int64(stallAfter) {
		limit = maxDialWorkers
	}
	for n := min(len(d.ready)-1, limit-int(d.workers.Load())); n > 0; n-- {
		d.workers.Add(1)
		d.p.wg.Add(1)
		go d.worker(true)
	}
	if n := d.workers.Load(); n > d.peak.Load() {
		d.peak.Store(n)
	}
}

// request hands s to the dialer: to dial it, to redial it after a backoff,
// or to notice it closed. Any goroutine; never blocks.
func (d *dialer) request(s *stream) {
	if !s.dialQueued.CompareAndSwap(false, true) {
		return
	}
	d.inbox.Push(s, &s.dialNext)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// dialNow hands s, due at once (a hand-over), straight to an idle worker,
// saving the scheduler's wake-up; with none idle it goes through request.
// The caller owns s and has just given it to the dialer (ownDialer).
func (d *dialer) dialNow(s *stream) {
	if d.idle.Load() > 0 && !s.closed.Load() {
		s.dialing.Store(true)
		select {
		case d.work <- s:
			return
		default:
			s.dialing.Store(false)
		}
	}
	d.request(s)
}

// schedule is the scheduler goroutine.
func (d *dialer) schedule() {
	defer d.p.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		now := d.p.since()
		for s := d.inbox.Take(); s != nil; {
			next := s.dialNext
			s.dialNext = nil
			s.dialQueued.Store(false)
			d.take(s, now)
			s = next
		}
		for len(d.sched) > 0 && d.sched[0].due <= now {
			s := heap.Pop(&d.sched).(*stream)
			s.inHeap = false
			if s.owner.Load() != ownDialer {
				continue
			}
			if s.closed.Load() {
				s.finalize()
				continue
			}
			// From here a worker has it (a close is noticed by the worker).
			s.dialing.Store(true)
			if len(d.ready) == 0 { // a wait begins: nothing has stalled yet
				d.progressAt, d.lastDialed = now, d.dialed.Load()
			}
			d.ready = append(d.ready, s)
			if s.dials > 0 {
				d.reconnects++
			}
		}
		wait := time.Hour
		if len(d.sched) > 0 {
			wait = time.Duration(d.sched[0].due - now)
		}
		var work chan *stream // nil: no send case
		var next *stream
		var nextReconnects bool // read before the send: then a worker owns next
		if len(d.ready) > 0 {
			work, next = d.work, d.ready[0]
			nextReconnects = next.dials > 0
			d.addWorker(now)
			wait = min(wait, readyRecheck) // look again: workers may be busy, or stalled
		}
		t.Reset(wait)
		select {
		case <-d.p.quit:
			return
		case <-d.wake:
		case <-t.C:
		case work <- next:
			d.ready[0] = nil
			d.ready = d.ready[1:]
			if nextReconnects {
				d.reconnects--
			}
		}
	}
}

// take schedules a stream the dialer was handed.
func (d *dialer) take(s *stream, now int64) {
	if s.owner.Load() != ownDialer || s.dialing.Load() {
		return // the loop or a worker has it, and will notice a close
	}
	if s.closed.Load() {
		if s.inHeap {
			heap.Remove(&d.sched, int(s.heapIndex))
			s.inHeap = false
		}
		s.finalize()
		return
	}
	if s.inHeap {
		return
	}
	s.due = now
	if s.redial {
		s.due = now + int64(s.bo.Next())
		s.state.Store(stateBackoff)
	}
	s.inHeap = true
	heap.Push(&d.sched, s)
}

// worker dials streams until the publisher stops; a spare one also stops
// after spareWorkerIdle without work.
func (d *dialer) worker(spare bool) {
	defer d.p.wg.Done()
	defer d.workers.Add(-1)
	var idle *time.Timer // one per worker: a timer per dial was 270 B of garbage
	var idleC <-chan time.Time
	if spare {
		idle = time.NewTimer(spareWorkerIdle)
		defer idle.Stop()
		idleC = idle.C
	}
	for {
		var s *stream
		d.idle.Add(1)
		select {
		case <-d.p.quit:
		case <-idleC:
		case s = <-d.work:
		}
		d.idle.Add(-1)
		if s == nil {
			return
		}
		d.dial(s)
		d.dialed.Add(1)
		if spare {
			idle.Reset(spareWorkerIdle) // Go 1.23 timers: no stale tick after a Reset
		}
	}
}

// dial connects s and enrolls it into the reactor; on failure it hands s
// back to the scheduler for a backoff. s.dialing is set while a worker has s.
func (d *dialer) dial(s *stream) {
	p := d.p
	if s.closed.Load() {
		s.dialing.Store(false)
		s.finalize()
		return
	}
	s.state.Store(stateDialing)
	var nc net.Conn
	var err error
	var hostport string
	for _, hostport = range d.targets(d.ctx, s) { // the key's first-ranked address that answers
		nc, err = d.dialOne(hostport)
		if err == nil || d.ctx.Err() != nil {
			break
		}
	}
	if tc, ok := nc.(*net.TCPConn); ok && err == nil {
		if err = tc.SetNoDelay(p.opts.NoDelay); err != nil {
			nc.Close()
		}
	}
	if err == nil {
		// On success OnOpen has run and the loop owns s: do not touch it.
		enroll := p.r.EnrollDirect
		if p.opts.NoDirectWrite || p.opts.FlushFrequency > 0 {
			enroll = p.r.Enroll
		}
		l := newLink(s)
		if p.addr.Net != "unix" {
			l.target = d.target(nc.RemoteAddr())
		}
		if _, err = enroll(nc, l); err == nil {
			return
		}
	}
	s.dialing.Store(false)
	p.m.Count(metrics.DialFailed)
	if s.closed.Load() {
		s.finalize()
		return
	}
	if !s.failing {
		p.log.Warnf("stream %v: dial %s (%s): %v (retrying with backoff)", s.key, p.addr, hostport, err)
		s.failing = true
	}
	s.redial = true
	d.request(s)
}

// target returns the streams-per-address gauge of a dialed address. Any worker.
func (d *dialer) target(a net.Addr) *metrics.Gauge {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return d.p.m.Target(a.String())
	}
	ap := ta.AddrPort()
	d.gaugeMu.Lock()
	defer d.gaugeMu.Unlock()
	g, ok := d.gauges[ap]
	if !ok {
		if d.gauges == nil {
			d.gauges = make(map[netip.AddrPort]*metrics.Gauge)
		}
		g = d.p.m.Target(a.String())
		d.gauges[ap] = g
	}
	return g
}

// dialOne connects to one address: an IP literal over TCP with dialTCP
// where it exists, anything else with net.Dialer.
func (d *dialer) dialOne(hostport string) (net.Conn, error) {
	if d.p.addr.Net != "unix" {
		if c, ok, err := dialTCP(d.ctx, d.p.addr.Net, hostport, d.p.opts.ConnectTimeout); ok {
			return c, err
		}
	}
	return d.nd.DialContext(d.ctx, d.p.addr.Net, hostport)
}

// dialHeap orders streams by due time.
type dialHeap []*stream

func (h dialHeap) Len() int           { return len(h) }
func (h dialHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h dialHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = int32(i)
	h[j].heapIndex = int32(j)
}
func (h *dialHeap) Push(x any) {
	s := x.(*stream)
	s.heapIndex = int32(len(*h))
	*h = append(*h, s)
}
func (h *dialHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return s
}
