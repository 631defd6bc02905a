package nq

import (
	"cmp"
	"context"
	"fmt"
	"net"

	"github.com/nanoq/nq/codec"
	"github.com/nanoq/nq/internal/addr"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/pub"
	"github.com/nanoq/nq/ring"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
)

// Errors.
var (
	// ErrTooBig is wrapped by Publish for a payload above MaxPayload.
	ErrTooBig = codec.ErrTooBig
	// ErrClosed is returned after Close by Publish, Receive and Listen;
	// errors.Is matches it with net.ErrClosed too.
	ErrClosed = ring.ErrClosed
	// ErrInvalidOptions is wrapped by the constructors (and the panics of
	// NewPub and NewSub) for an option out of range.
	ErrInvalidOptions = pub.ErrInvalidOptions
	// ErrBadURL is wrapped by ParseURL and the constructors for an address
	// that is not a valid nanoQ URL.
	ErrBadURL = addr.ErrBadURL
	// ErrMalformed is what a subscriber logs and counts (reason malformed)
	// for a length prefix that is not a valid uvarint.
	ErrMalformed = codec.ErrMalformed
	// ErrHandlerSet is returned by Receive when SubOpts.Handler is set.
	ErrHandlerSet = sub.ErrHandlerSet
	// ErrPathInUse is wrapped by Bind and Listen when a unix socket path
	// holds something other than a stale socket.
	ErrPathInUse = sub.ErrPathInUse
	// ErrInvalidKey is wrapped by Publish for a stream key that is not
	// comparable (a slice, a map, ...).
	ErrInvalidKey = pub.ErrInvalidKey
	// ErrUnsent is wrapped by Pub.Shutdown and Pub.Close when messages
	// buffered at the call could not be written to a socket.
	ErrUnsent = pub.ErrUnsent
)

// DefaultMaxPayload is the default limit of one message: 10 MiB.
const DefaultMaxPayload = pub.DefaultMaxPayload

// StreamDescriptor tells a subscriber's streams (connections) apart. It is
// not the publisher's stream key.
type StreamDescriptor = sub.StreamDescriptor

// PubOpts are a publisher's options: the seed's fields (KeepaliveTimeout,
// ConnectTimeout, WriteTimeout, FlushFrequency, NoDelay, Printf) keep their
// names and meanings; the rest are additive with safe zero values.
type PubOpts = pub.Options

// SubOpts are a subscriber's options: the seed's KeepaliveTimeout and Printf,
// plus additive fields with safe zero values.
type SubOpts = sub.Options

// Metrics holds nanoQ's Prometheus collectors.
type Metrics = metrics.Metrics

// Pub is the seed's publisher interface, unchanged: a user's mock or wrapper of
// it keeps compiling. Publish buffers the payload and returns at once: a nil
// error means the message was buffered, not delivered. Messages of one
// streamKey travel over one connection, in order. The value NewPub returns is a
// *Publisher, which also has Shutdown, Close, Stream handles and Buffered.
type Pub interface {
	Publish(ctx context.Context, payload []byte, streamKey any) error
}

// Sub is the seed's subscriber interface, unchanged. Listen binds and serves
// until its ctx is done; Receive copies the next message into p (up to cap(p)).
// After Listen's ctx ends, Receive returns the messages still queued, then an
// error matching both ErrClosed and the ctx's error. The value NewSub returns
// is a *Subscriber, which also has Bind, Addr, URL, Drain and Close.
type Sub interface {
	Listen(ctx context.Context) error
	Receive(ctx context.Context, p []byte) (payload []byte, stream StreamDescriptor, err error)
}

// The seed's package variables: the defaults of PubOpts.MaxPayload and
// SubOpts.MaxPayload (MaxPayload) and of PubOpts.MaxBuffer (MaxBuffer) when
// those are zero, read by every constructor of this package when it runs.
// Set them before creating publishers and subscribers, as with the original.
var (
	MaxPayload = DefaultMaxPayload
	MaxBuffer  = MaxPayload * 10
)

// pubDefaults fills the options the seed's variables stand for.
func pubDefaults(opts PubOpts, m *Metrics) PubOpts {
	opts.Metrics = cmp.Or(opts.Metrics, m)
	opts.MaxPayload = cmp.Or(opts.MaxPayload, MaxPayload)
	opts.MaxBuffer = cmp.Or(opts.MaxBuffer, MaxBuffer)
	return opts
}

// subDefaults is pubDefaults for a subscriber.
func subDefaults(opts SubOpts, m *Metrics) SubOpts {
	opts.Metrics = cmp.Or(opts.Metrics, m)
	opts.MaxPayload = cmp.Or(opts.MaxPayload, MaxPayload)
	return opts
}

// must returns v, or panics with err: the seed's constructors panic.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Publisher is the concrete publisher NewPub and NewPublisher return: Pub's
// Publish plus Shutdown, Close, Stream handles and Buffered.
type Publisher = pub.Publisher

// Stream is a handle on one stream key of a Publisher (Publisher.Stream):
// it publishes without looking the key up each time.
type Stream = pub.Stream

// Subscriber is the concrete subscriber NewSub and NewSubscriber return:
// Sub's methods plus Bind, Addr, URL, Drain and Close.
type Subscriber = sub.Subscriber

// Handler receives messages on the event loop when set as SubOpts.Handler
// (zero copies; see sub.Handler).
type Handler = sub.Handler

// NewPublisher returns a Publisher sending to url, or an error wrapping
// ErrBadURL or ErrInvalidOptions.
func NewPublisher(url string, opts PubOpts) (*Publisher, error) {
	return pub.New(url, pubDefaults(opts, nil))
}

// NewSubscriber returns a Subscriber for url, or an error wrapping ErrBadURL
// or ErrInvalidOptions. It binds nothing yet: see Bind and Listen.
func NewSubscriber(url string, opts SubOpts) (*Subscriber, error) {
	return sub.New(url, subDefaults(opts, nil))
}

// NewPub returns a Pub (a *Publisher) sending to url. It panics on a malformed
// URL or invalid options, as the original did; NewPublisher returns the error
// instead. m may be nil (no metrics) and is used unless opts.Metrics is set.
func NewPub(url string, opts PubOpts, m *Metrics) Pub {
	return must(pub.New(url, pubDefaults(opts, m)))
}

// NewMultiPub returns a Pub that sends every message to each of urls. It
// panics like NewPub.
func NewMultiPub(urls []string, opts PubOpts, m *Metrics) Pub {
	return must(pub.NewMulti(urls, pubDefaults(opts, m)))
}

// NewSub returns a Sub (a *Subscriber) for url. It panics on a malformed
// URL or invalid options, as the original did; NewSubscriber returns the
// error instead. m may be nil and is used unless opts.Metrics is set.
func NewSub(url string, opts SubOpts, m *Metrics) Sub {
	return must(sub.New(url, subDefaults(opts, m)))
}

// NewMetrics creates nanoQ's collectors and registers them on reg. Calling
// it again with the same registry returns collectors sharing the registered
// ones. It panics if reg refuses them for another reason.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m, err := metrics.New(reg)
	if err != nil {
		panic(fmt.Errorf("nanoq: register metrics: %w", err))
	}
	return m
}

// NewDefaultMetrics returns the Metrics registered on
// prometheus.DefaultRegisterer; it may be called any number of times.
func NewDefaultMetrics() *Metrics { return metrics.Default() }

// ParseURL parses a nanoQ address URL (tcp://host:port, tcp4://, tcp6://,
// unix:///path). The result's Network is the scheme and its String the
// host:port or path.
func ParseURL(s string) (net.Addr, error) {
	a, err := addr.Parse(s)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// MustParseURL is ParseURL that panics on error.
func MustParseURL(s string) net.Addr { return must(ParseURL(s)) }
