package rig

import (
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// Delivery modes of the subscriber.
const (
	DeliveryHandler = "handler" // sub.Options.Handler on the event loop
	DeliveryReceive = "receive" // Subscriber.Receive on receiver goroutines
)

// Options are nqbench's flags: the harness's common ones and nanoQ's own.
type Options struct {
	harness.Config

	Flush       time.Duration // pub.Options.FlushFrequency
	PubLoops    int           // pub.Options.EventLoops (0: the shared reactor)
	SubLoops    int           // sub.Options.EventLoops (0: reactor.DefaultLoops())
	Delivery    string        // DeliveryHandler or DeliveryReceive
	MaxBuffer   int           // pub.Options.MaxBuffer per stream, bytes
	BufferTotal int           // pub.Options.MaxBufferTotal, bytes; 0: the library's default
	QueueBytes  int           // sub.Options.QueueBytes (receive delivery)
	Receivers   int           // goroutines calling Receive (receive delivery); 0 means 1
	// Overrun, with Rate 0, publishes flat out even while a stream's
	// buffer is over 7/8 full, so drop-oldest discards what the
	// connection cannot take. Without it an unpaced publisher waits for
	// such a stream (pub.Stream.Buffered), as a producer that wants no
	// loss would.
	Overrun bool
	// Outage > 0 (role both) closes the subscriber a second into the run
	// and binds a new one on the same address after Outage: the publisher
	// buffers meanwhile. The result reports the peak RSS and heap sampled
	// while the subscriber was away.
	Outage time.Duration
	// DrainOnSignal (role sub) serves until SIGTERM or SIGINT instead of
	// a quiet second, then Drains (10 s at most) before the result: the
	// process of a rolling restart (bench/cmd/rolling).
	DrainOnSignal bool
	// ReusePort sets the subscriber's SO_REUSEPORT, so that a successor
	// binds the same address while it runs.
	ReusePort bool
	// LibDefaults leaves MaxPayload and MaxBuffer to the library's defaults
	// (10 MiB, 100 MiB per stream) instead of the run's sizes.
	LibDefaults bool
	// NoDirect sets the publisher's NoDirectWrite: every frame leaves
	// through the event loop.
	NoDirect bool

	// Progress receives a line a second (rates, loss so far); nil prints none.
	Progress io.Writer
	// Ready is called by RunSub with the bound URL before any traffic;
	// nil means harness.Ready (the "READY <url>" line on stderr).
	Ready func(url string)
}

// Defaults of nanoQ's own flags. With -maxbuffer 0 each stream's bound is
// a share of TotalBuffer, between MinMaxBuffer and DefaultMaxBuffer: an
// unpaced run then holds at most about TotalBuffer in rings, instead of
// 4 MiB for each of thousands of streams.
const (
	DefaultMaxBuffer  = 4 << 20
	MinMaxBuffer      = 64 << 10
	TotalBuffer       = 64 << 20
	DefaultQueueBytes = 16 << 20
)

// autoMaxBuffer is the per-stream bound for -maxbuffer 0: the power of two
// at or below TotalBuffer/streams, within MinMaxBuffer and DefaultMaxBuffer.
// A power of two because a ring's buffer is one, charged whole to the
// Publisher's budget: 100 streams of 640 KiB would each need a 1 MiB
// buffer to fill up, and the 64 MiB budget would drop what 100 such
// buffers hold beyond it.
func autoMaxBuffer(streams int) int {
	share := max(TotalBuffer/max(streams, 1), 1)
	return min(DefaultMaxBuffer, max(MinMaxBuffer, 1<<(bits.Len(uint(share))-1)))
}

// Validate checks the common flags and nanoQ's own.
func (o *Options) Validate() error {
	if err := o.Config.Validate(); err != nil {
		return err
	}
	var bad string
	switch {
	case o.Delivery != DeliveryHandler && o.Delivery != DeliveryReceive:
		bad = fmt.Sprintf("-delivery %q: want handler or receive", o.Delivery)
	case o.Flush < 0:
		bad = fmt.Sprintf("-flush %v: want >= 0", o.Flush)
	case o.PubLoops < 0 || o.PubLoops > 256 || o.SubLoops < 0 || o.SubLoops > 256:
		bad = fmt.Sprintf("-pub-loops %d, -sub-loops %d: want 0..256", o.PubLoops, o.SubLoops)
	case o.Receivers < 0 || o.Receivers > 1024:
		bad = fmt.Sprintf("-receivers %d: want 0..1024", o.Receivers)
	case o.Outage < 0 || o.Outage > 0 && (o.Role != harness.RoleBoth || o.Idle > 0 || o.Duration <= outageStart+o.Outage):
		bad = fmt.Sprintf("-outage %v: want role both, no -idle and -duration above 1s + outage", o.Outage)
	case o.MaxBuffer < 0 || o.QueueBytes < 0 || o.BufferTotal < 0:
		bad = fmt.Sprintf("-maxbuffer %d, -queuebytes %d, -buffertotal %d: want >= 0", o.MaxBuffer, o.QueueBytes, o.BufferTotal)
	}
	if bad != "" {
		return fmt.Errorf("nanoq: %s: %w", bad, harness.ErrInvalidConfig)
	}
	return nil
}

// Describe says in one line what the run measures: role, streams, sizes,
// delivery path, pacing and loops (nqbench prints it first).
func (o *Options) Describe() string {
	size := fmt.Sprintf("%d B", o.SizeMin)
	if o.SizeMax != o.SizeMin {
		size = fmt.Sprintf("%d-%d B", o.SizeMin, o.SizeMax)
	}
	delivery := "handler delivery (on the event loop)"
	if o.Delivery == DeliveryReceive {
		delivery = fmt.Sprintf("Receive delivery (%d goroutine(s))", max(o.Receivers, 1))
	}
	pacing := "flat out, waiting while a stream's buffer is over 7/8 full"
	switch {
	case o.Rate > 0:
		pacing = fmt.Sprintf("paced at %.0f msgs/s in total", o.Rate)
	case o.Overrun:
		pacing = "flat out, drop-oldest discarding what a connection cannot take (-overrun)"
	}
	loops := fmt.Sprintf("publisher loops %d, subscriber loops %d (0: default)", o.PubLoops, o.SubLoops)
	what := fmt.Sprintf("%d stream(s) × %s for %v", o.Streams, size, o.Duration)
	if o.Idle > 0 {
		what = fmt.Sprintf("%d idle stream(s), one %s message each, then %v silent", o.Streams, size, o.Idle)
	}
	return fmt.Sprintf("nqbench: role %s, %s; %s; publisher %s; %s", o.Role, what, delivery, pacing, loops)
}

// baseResult fills the configuration part of a Result.
func (o *Options) baseResult() *harness.Result {
	return &harness.Result{
		Transport: "nanoq",
		Role:      o.Role,
		Streams:   o.Streams,
		SizeMin:   o.SizeMin,
		SizeMax:   o.SizeMax,
		Rate:      o.Rate,
		DurationS: o.Duration.Seconds(),
		IdleS:     o.Idle.Seconds(),
	}
}

// keepalive is the publisher's KeepaliveTimeout: long enough that no stream
// closes for being idle during the run (a slow -rate over many streams, or
// the idle window).
func (o *Options) keepalive() time.Duration {
	return o.Duration + o.Idle + time.Minute
}
