package rig

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/pub"
	"github.com/prometheus/client_golang/prometheus"
)

// Pub is a nanoQ Publisher towards one subscriber URL with one pub.Stream
// handle per stream key 0..streams-1.
type Pub struct {
	// Read-only after NewPub.
	P         *pub.Publisher
	Reg       *prometheus.Registry // the publisher's private metrics
	Handles   []*pub.Stream
	MaxBuffer int // effective per-stream bound, bytes

	counters []counter // one per publishing goroutine of the running Run
	mu       sync.Mutex
}

// counter is one publishing goroutine's tallies, alone on its cache line.
type counter struct {
	published atomic.Int64
	errors    atomic.Int64
	_         [48]byte
}

// NewPub creates the Publisher (it dials on first Publish of each key).
func NewPub(o *Options, url string) (*Pub, error) {
	m, reg, err := newMetrics()
	if err != nil {
		return nil, err
	}
	mb := o.MaxBuffer
	if mb == 0 {
		mb = autoMaxBuffer(o.Streams)
	}
	mb = max(mb, o.SizeMax+10) // nanoQ raises it to one MaxPayload frame
	po := pub.Options{
		KeepaliveTimeout: o.keepalive(),
		FlushFrequency:   o.Flush,
		NoDelay:          true,
		NoDirectWrite:    o.NoDirect,
		MaxPayload:       o.SizeMax,
		MaxBuffer:        mb,
		MaxBufferTotal:   o.BufferTotal,
		EventLoops:       o.PubLoops,
		Metrics:          m,
	}
	if o.LibDefaults {
		po.MaxPayload, po.MaxBuffer = 0, 0
		mb = 10 * pub.DefaultMaxPayload // the documented default
	}
	p, err := pub.New(url, po)
	if err != nil {
		return nil, err
	}

	hs := make([]*pub.Stream, o.Streams)
	for i := range hs {
		hs[i] = p.Stream(i)
	}
	return &Pub{P: p, Reg: reg, Handles: hs, MaxBuffer: mb}, nil
}

// Run publishes on every stream until stop is set (see the package doc for
// the goroutine scheme and pacing). It returns when every publishing
// goroutine has exited. Published and Errors report progress meanwhile.
func (p *Pub) Run(o *Options, stop *atomic.Bool) {
	g := min(len(p.Handles), 2*runtime.GOMAXPROCS(0))
	cs := make([]counter, g)
	p.mu.Lock()
	p.counters = cs
	p.mu.Unlock()
	highWater := p.MaxBuffer - p.MaxBuffer/8 // unpaced: wait for streams over it (HighWater)
	if o.Overrun || o.Rate > 0 {
		highWater = 0
	}
	var wg sync.WaitGroup
	for i := range g {
		var own []*pub.Stream
		for k := i; k < len(p.Handles); k += g {
			own = append(own, p.Handles[k])
		}
		share := o.Rate * float64(len(own)) / float64(len(p.Handles))
		c := &cs[i]
		wg.Go(func() { publishLoop(&o.Config, own, share, highWater, uint64(i), stop, c) })
	}
	wg.Wait()
}

// backoffPause is how long an unpaced publishing goroutine sleeps when each
// of its streams holds more than highWater bytes.
const backoffPause = 50 * time.Microsecond

// publishLoop runs on one publishing goroutine. With highWater > 0 it skips
// a stream holding more than that (pub.Stream.Buffered), and sleeps when
// all of its streams do.
func publishLoop(cfg *harness.Config, own []*pub.Stream, rate float64, highWater int, seed uint64, stop *atomic.Bool, c *counter) {
	pacer := cfg.NewPacer(rate)
	rnd := rand.New(rand.NewPCG(seed, 0x6e616e6f51))
	buf := make([]byte, cfg.SizeMax)
	// published counts locally and adds to c every 64 messages: an atomic
	// add per message is a measurable share of a ~50 ns Publish.
	published, full := int64(0), 0
	defer func() { c.published.Add(published) }()
	for i := 0; !stop.Load(); i++ {
		if i == len(own) {
			i = 0
		}
		if published == 64 {
			c.published.Add(published)
			published = 0
		}
		if highWater > 0 && own[i].Buffered() > highWater {
			// Skip this stream; sleep once every stream was skipped.
			if full++; full >= len(own) {
				time.Sleep(backoffPause)
				full = 0
			}
			continue
		}
		full = 0
		pacer.Wait()
		if err := own[i].Publish(harness.Payload(cfg, rnd, buf)); err != nil {
			c.errors.Add(1)
			continue
		}
		published++
	}
}

// PublishOne publishes one warm-up message (harness.StampWarm) on each
// stream: idle mode's messages, and the ones that connect every stream
// before a measured run (Connect).
func (p *Pub) PublishOne(cfg *harness.Config) (published, errs int64) {
	rnd := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, cfg.SizeMax)
	for _, h := range p.Handles {
		m := harness.Payload(cfg, rnd, buf)
		harness.StampWarm(m)
		if err := h.Publish(m); err != nil {
			errs++
			continue
		}
		published++
	}
	return published, errs
}

// Connect opens every stream before the measured run, as the other
// transports' benchmarks dial theirs before they publish: nanoQ dials a
// stream at its first message, so each gets one warm-up message, and
// Connect waits until all of them were written (or counted lost), for at
// most bound. It returns the warm-up messages published.
func (p *Pub) Connect(ctx context.Context, cfg *harness.Config, bound time.Duration) (published, errs int64) {
	published, errs = p.PublishOne(cfg)
	waitFor(ctx, bound, func() bool { return p.Written()+total(p.Lost()) >= published })
	return published, errs
}

// Published returns the messages accepted so far by the running (or last) Run.
func (p *Pub) Published() (published, errs int64) {
	p.mu.Lock()
	cs := p.counters
	p.mu.Unlock()
	for i := range cs {
		published += cs[i].published.Load()
		errs += cs[i].errors.Load()
	}
	return published, errs
}

// Written returns the messages written to sockets so far.
func (p *Pub) Written() int64 { return sumCounter(p.Reg, "nanoq_pub_messages_total") }

// Lost returns the publisher's counted losses by reason.
func (p *Pub) Lost() map[string]int64 { return lostByReason(p.Reg, "nanoq_pub_lost_messages_total") }

// Shutdown stops the Publisher, letting buffered messages drain for at most
// bound; what is left is counted lost (disconnected).
func (p *Pub) Shutdown(bound time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	return p.P.Shutdown(ctx)
}
