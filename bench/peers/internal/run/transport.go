package run

import (
	"errors"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// ErrUnsupported is wrapped by a Transport that cannot serve a configuration
// (for example NATS over a unix socket).
var ErrUnsupported = errors.New("nanoq: peer does not support this configuration")

// Deliver hands one received payload to the benchmark. payload is only valid
// during the call. stream picks the recorder shard: pass a per-connection or
// per-goroutine number so concurrent deliveries rarely contend. Safe for
// concurrent use.
type Deliver func(payload []byte, stream uint32)

// Transport is one peer under test.
type Transport struct {
	// Name is the JSON "transport" field: "zmq", "nats" or "go".
	Name string

	// Listen binds a subscriber at url (the nanoQ form tcp4://127.0.0.1:PORT
	// or unix:///path, port 0 allowed, or the peer's own form) and calls
	// deliver for every message received, until Sub.Close.
	Listen func(cfg *harness.Config, url string, deliver Deliver) (Sub, error)

	// Dial opens cfg.Streams publisher streams to the subscriber at url (as
	// printed by Sub.URL, or in nanoQ form). It returns once every stream can
	// take messages without losing them to connection setup.
	Dial func(cfg *harness.Config, url string) ([]Stream, error)

	// Shutdown, when not nil, runs once after every stream and the
	// subscriber were closed, before the result is printed (for example to
	// terminate a library context, which waits for lingering messages).
	Shutdown func() error
}

// Sub is a bound subscriber.
type Sub interface {
	// URL is the address actually bound, in the peer's own form; the
	// publisher of a split run receives it through the READY line.
	URL() string
	// Lost returns the drops the transport itself counted, by reason, or nil.
	Lost() map[string]int64
	// Close stops delivery and releases the subscriber.
	Close() error
}

// Stream is one publisher stream (connection, socket). It is used by one
// goroutine at a time.
type Stream interface {
	// Send publishes one message; p may be reused once Send returns.
	Send(p []byte) error
	// Flush pushes out whatever Send buffered. It is called after every
	// paced message (so latency figures are fair) and after the single
	// message of idle mode.
	Flush() error
	// Close sends what is still buffered, waiting at most until deadline,
	// then closes the stream.
	Close(deadline time.Time) error
}
