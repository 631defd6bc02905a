package pub

import (
	"cmp"
	"log/slog"
	"math"
	"math/bits"
	"net"
	"time"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/internal/errs"
	"github.com/nanoq/nq/metrics"
)

// ErrInvalidOptions is wrapped by New for an option out of range.
var ErrInvalidOptions = errs.ErrInvalidOptions

// Defaults, as in the original nanoQ where it had one.
const (
	DefaultMaxPayload       = codec.DefaultMaxPayload // 10 MiB, the subscriber's default too
	DefaultKeepaliveTimeout = 5 * time.Second         // idle streams close after this
	DefaultConnectTimeout   = 5 * time.Second

	// MaxPayloadLimit is the largest MaxPayload allowed, on both sides: 1 GiB.
	MaxPayloadLimit = codec.MaxPayloadLimit
	// MaxBufferLimit is the largest MaxBuffer and MaxBufferTotal: 64 GiB.
	MaxBufferLimit = 1<<36 - 1

	// DefaultMaxBufferTotal is MaxBufferTotal's default: 64 MiB, or the
	// memory of two MaxPayload messages if that is more.
	DefaultMaxBufferTotal = 64 << 20
	// SharedBufferTotal bounds the memory of every Publisher on the
	// process-wide reactor together (EventLoops 0): 256 MiB, or the largest
	// MaxBufferTotal among them if that is more.
	SharedBufferTotal = 256 << 20
)

// Options configure a Publisher. Zero values select the defaults; the seed's
// fields keep their names and meanings.
type Options struct {
	// KeepaliveTimeout closes a stream with nothing published for this long
	// and nothing left to write on its connection (or no connection),
	// giving its memory back; the next Publish with its key reopens it. A
	// slow but progressing connection is not cut: WriteTimeout bounds one
	// that makes no progress. 0 means DefaultKeepaliveTimeout.
	KeepaliveTimeout time.Duration
	// ConnectTimeout bounds each dial. 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// WriteTimeout resets and redials a connection whose pending output made
	// no progress for this long: the reset discards what the kernel still
	// holds instead of delivering it after the new connection's frames
	// (order holds per connection). 0 means no write timeout.
	WriteTimeout time.Duration
	// FlushFrequency > 0 writes each stream at most every FlushFrequency
	// (bandwidth mode). 0 writes as soon as the event loop is free: batches
	// then grow with load by themselves.
	FlushFrequency time.Duration
	// NoDirectWrite makes every message leave through the stream's event
	// loop. By default, with FlushFrequency 0, a Publish that finds its
	// stream idle (nothing queued, in flight or pending in the reactor)
	// writes the frame itself with one non-blocking system call, sparing the
	// loop's wake-up (about half the latency at low rates); each connection
	// then holds a second descriptor for its socket. Busy streams leave in
	// batches either way.
	NoDirectWrite bool
	// NoDelay sets TCP_NODELAY (disables Nagle's algorithm) on TCP streams.
	NoDelay bool
	// Printf optionally receives log lines (info level and above).
	Printf func(format string, v ...any)
	// Logger optionally receives log lines through log/slog.
	Logger *slog.Logger
	// MaxPayload limits one message; Publish rejects larger ones with
	// ErrTooBig. 0 means DefaultMaxPayload; at most MaxPayloadLimit.
	MaxPayload int
	// MaxBuffer bounds each stream's buffered bytes, ours and the reactor's;
	// when full the oldest messages are dropped and counted. 0 means
	// 10 × MaxPayload. It is raised to hold at least one MaxPayload message.
	MaxBuffer int
	// MaxBufferTotal bounds the memory of all the Publisher's streams
	// together: their buffers (power-of-two sizes, so a buffer may be up to
	// twice what it holds) and what the reactor holds for them. When a stream
	// needs more and the total is reached, the streams holding the most give
	// up their oldest messages first (counted overflow), so a stalled stream
	// cannot starve the others. 0 means DefaultMaxBufferTotal; it is raised to
	// hold two MaxPayload messages. Publishers on the shared reactor are also
	// bounded together by SharedBufferTotal.
	MaxBufferTotal int
	// EventLoops is the number of event loops this Publisher runs, as on the
	// subscriber: > 0 gives it that many of its own. 0, the default, shares
	// one process-wide reactor (reactor.DefaultLoops() loops) among every
	// Publisher created with 0: many destinations do not multiply loops.
	EventLoops int
	// Metrics receives the publisher's metrics; nil records nothing.
	Metrics *metrics.Metrics
	// Resolver resolves the URL's host name at each dial; nil means
	// net.DefaultResolver.
	Resolver *net.Resolver
	// NoSpread turns spreading off. By default, when the URL's host name
	// resolves to several addresses (a headless Service, several A records),
	// each stream dials the address its key ranks first by rendezvous
	// hashing over the set resolved at that dial, and the next-ranked ones
	// in turn when it does not answer: a stable set keeps every key where it
	// is, a change moves only the keys that must. With NoSpread the dialer
	// tries the addresses in order, as net.Dial does: every stream reaches
	// the first that answers.
	NoSpread bool
}

func (o Options) withDefaults() (Options, error) {
	err := errs.CheckOptions("publisher", &o, map[string]errs.Limit{
		"KeepaliveTimeout": {Default: int64(DefaultKeepaliveTimeout)},
		"ConnectTimeout":   {Default: int64(DefaultConnectTimeout)},
		"MaxPayload":       {Default: DefaultMaxPayload, Max: MaxPayloadLimit},
		"MaxBuffer":        {Max: MaxBufferLimit},
		"MaxBufferTotal":   {Max: MaxBufferLimit},
		"EventLoops":       {Max: 256},
	})
	if err != nil {
		return o, err
	}
	// 10 GiB at most: no overflow with 64-bit ints.
	o.MaxBuffer = errs.Scaled(o.MaxBuffer, 10, o.MaxPayload, o.MaxPayload+10)
	// Two buffers (powers of two) of MaxPayload+10: 2 × 2^⌈log2(MaxPayload+10)⌉.
	two := int(min(int64(2)<<bits.Len64(uint64(o.MaxPayload)+9), math.MaxInt))
	o.MaxBufferTotal = max(cmp.Or(o.MaxBufferTotal, DefaultMaxBufferTotal), two)
	return o, nil
}

// batchLimit bounds one writev on a congested connection; others write up to
// maxBatch at once.
func batchLimit(o Options) int {
	return min(maxBatch, max(o.MaxBuffer/4, 4<<10))
}

// ringLimit is the ring's bound while the reactor holds held bytes for the
// connection: MaxBuffer bounds both, always with room for a MaxPayload frame.
func ringLimit(o Options, held int) int {
	return max(o.MaxBuffer-held, o.MaxPayload+10)
}
