package sub

import (
	"errors"
	"log/slog"
	"time"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/internal/errs"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/ring"
)

// ErrInvalidOptions is wrapped by New for an option out of range.
var ErrInvalidOptions = errs.ErrInvalidOptions

// ErrHandlerSet is returned by Receive when the Subscriber delivers to a Handler.
var ErrHandlerSet = errors.New("nanoq: receive unavailable: a handler is set")

// DefaultMaxPayload is the default limit of one message's payload: 10 MiB, as
// in the original nanoQ (the publisher's default too).
const DefaultMaxPayload = codec.DefaultMaxPayload

// DefaultFrameTimeout is the default bound on completing a frame once started.
const DefaultFrameTimeout = 30 * time.Second

// DefaultMaxConnectionAgeGrace is MaxConnectionAgeGrace's default.
const DefaultMaxConnectionAgeGrace = 10 * time.Second

// Upper bounds of the options: MaxPayload at most 1 GiB, QueueBytes at most
// 64 GiB.
const (
	MaxPayloadLimit = codec.MaxPayloadLimit
	MaxQueueBytes   = 1<<36 - 1
)

// StreamDescriptor tells the connections (streams) of one Subscriber apart.
// It is not the publisher's stream key; it differs per connection for the
// life of the Subscriber.
type StreamDescriptor uint32

// Handler receives one message on the connection's event loop. payload
// aliases the receive buffer and is valid only until the handler returns:
// copy what must outlive the call. A Handler must not block; it may be called
// concurrently for different streams (from different loops), and in publish
// order for one stream.
type Handler func(payload []byte, stream StreamDescriptor)

// Options configure a Subscriber. The zero value is usable; every field's
// zero value selects its default.
type Options struct {
	// KeepaliveTimeout closes a stream (connection) that carries no complete
	// message for this long: a silent peer, or one trickling a frame. It
	// means what the publisher's KeepaliveTimeout means; only the default
	// differs: 0 keeps such connections open, as the seed's subscriber did,
	// because closing is the publisher's decision.
	KeepaliveTimeout time.Duration
	// Printf optionally receives log lines (info level and above).
	Printf func(format string, v ...any)
	// Logger optionally receives log lines through log/slog.
	Logger *slog.Logger
	// Handler, when set, receives every message on the event loop (zero
	// copies); Receive is then unavailable.
	Handler Handler
	// MaxPayload limits one message's payload; a larger length prefix closes
	// the connection. 0 means DefaultMaxPayload; at most MaxPayloadLimit.
	MaxPayload int
	// QueueBytes bounds the bytes waiting for Receive, over all event loops:
	// each message takes its payload plus 8 to 15 bytes (ring.RecordOverhead
	// at most). When full the oldest messages are dropped and counted
	// (queue_full). 0 means 2 × MaxPayload; it is raised to MaxPayload + 15
	// if smaller; at most MaxQueueBytes.
	QueueBytes int
	// PendingBytes bounds the memory of partial frames (a frame whose bytes
	// have started to arrive) over all connections, beyond 512 B each (every
	// connection may hold that much). A connection whose partial frame would
	// take more is closed, its frame counted lost (truncated). 0 means 4 ×
	// MaxPayload; it is raised to hold one frame of MaxPayload if smaller.
	PendingBytes int
	// FrameTimeout closes a connection whose frame, once started, is not
	// complete after this long (a peer that stalls or trickles inside a
	// frame holds its partial buffer); the frame is counted lost
	// (truncated). 0 means DefaultFrameTimeout.
	FrameTimeout time.Duration
	// EventLoops is the number of event loops this Subscriber runs, as on
	// the publisher; 0 means reactor.DefaultLoops() of its own (a subscriber's
	// loops are never shared: each listens on its own address).
	EventLoops int
	// Metrics receives the subscriber's metrics; nil records nothing.
	Metrics *metrics.Metrics
	// MaxConnectionAge > 0 drains a connection once it is this old (jittered
	// by ±10 %), as Drain does for all: the publisher closes it after what it
	// had sent and reconnects, so that behind a load balancer streams
	// re-spread over the replicas after a scale-up. 0 means never.
	MaxConnectionAge time.Duration
	// MaxConnectionAgeGrace bounds how long such a drain may take: a
	// publisher that has not closed its side by then is cut off, what is
	// left counted lost. 0 means DefaultMaxConnectionAgeGrace.
	MaxConnectionAgeGrace time.Duration
	// ReusePort sets SO_REUSEPORT on a TCP listener, so that a successor
	// process can bind the same address while this one runs: the kernel
	// spreads new connections over both, and once this one Drains, the
	// successor gets them all, with no moment where nobody listens.
	ReusePort bool
	// ProxyProtocol requires every connection to start with a PROXY protocol
	// header, version 1 or 2 (HAProxy's send-proxy and send-proxy-v2, cloud
	// network load balancers): the publisher host it names is the peer in
	// metrics and logs, instead of the balancer. A connection whose header is
	// missing, malformed or not complete within FrameTimeout is closed and
	// counted (malformed). A LOCAL header (a health check) names no peer.
	ProxyProtocol bool
	// NoPeerMetrics leaves out the per-peer series (label peer: the
	// publisher's host), for services with very many publishers. They exist
	// only while a host has a connection open either way; the totals (label
	// addr) are kept regardless.
	NoPeerMetrics bool
}

func (o Options) withDefaults() (Options, error) {
	err := errs.CheckOptions("subscriber", &o, map[string]errs.Limit{
		"MaxPayload":            {Default: DefaultMaxPayload, Max: MaxPayloadLimit},
		"QueueBytes":            {Max: MaxQueueBytes},
		"PendingBytes":          {Max: MaxQueueBytes},
		"FrameTimeout":          {Default: int64(DefaultFrameTimeout)},
		"MaxConnectionAgeGrace": {Default: int64(DefaultMaxConnectionAgeGrace)},
		"EventLoops":            {Default: int64(reactor.DefaultLoops()), Max: 256},
	})
	if err != nil {
		return o, err
	}
	o.QueueBytes = errs.Scaled(o.QueueBytes, 2, o.MaxPayload, o.MaxPayload+ring.RecordOverhead)
	// One frame of any allowed size always fits.
	o.PendingBytes = errs.Scaled(o.PendingBytes, 4, o.MaxPayload, bufferCap(o.MaxPayload+codec.MaxHeaderLen))
	return o, nil
}
