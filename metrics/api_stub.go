package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// This file fixes the package's API. The implementer replaces the bodies
// (and may split the file) but keeps every name and signature.

// Reason says why a message was lost; it is the value of the "reason" label.
type Reason uint8

// Loss reasons.
const (
	Overflow     Reason = iota // publisher buffer full: oldest frames dropped
	Disconnected               // buffered or in-flight data lost with a connection, or unsent at Close
	TooBig                     // payload above MaxPayload (either side)
	ShortBuffer                // Receive buffer smaller than the message
	QueueFull                  // subscriber receive queue full
	Malformed                  // garbage length prefix; the connection is closed
	Truncated                  // a frame cut short by a disconnect
	NumReasons                 // number of reasons; not a reason
)

// String returns the label value: "overflow", "disconnected", "too_big",
// "short_buffer", "queue_full", "malformed", "truncated".
func (r Reason) String() string { panic("unimplemented") }

// Metrics holds nanoQ's Prometheus collectors. A nil *Metrics is valid and
// records nothing. Safe for concurrent use.
type Metrics struct{ _ [0]func() }

// New creates the collectors and registers them on reg. Registering twice on
// the same registry returns the collectors already registered there (no error,
// no panic).
func New(reg prometheus.Registerer) (*Metrics, error) { panic("unimplemented") }

// Default returns the Metrics registered on prometheus.DefaultRegisterer; every
// call returns the same instance.
func Default() *Metrics { panic("unimplemented") }

// Pub returns the handle for a publisher's destination address (label addr),
// with every label child resolved once. Nil-safe: a nil *Metrics gives a nil
// *Stream, whose methods do nothing.
func (m *Metrics) Pub(addr string) *Stream { panic("unimplemented") }

// Sub returns the handle for a subscriber's peer host (label addr: the remote
// host without port, or the listen address for unix sockets).
func (m *Metrics) Sub(addr string) *Stream { panic("unimplemented") }

// Stream is a handle with label children resolved once; meant to be updated
// per batch (per flush, per traffic event), not per message. A nil *Stream
// does nothing. Safe for concurrent use.
type Stream struct{ _ [0]func() }

// Transferred counts n messages of the given total bytes as sent (publisher)
// or received (subscriber).
func (s *Stream) Transferred(n, bytes int) { panic("unimplemented") }

// Lost counts n messages of the given total bytes as lost for reason r.
func (s *Stream) Lost(r Reason, n, bytes int) { panic("unimplemented") }

// Opened adds one current stream.
func (s *Stream) Opened() { panic("unimplemented") }

// Closed removes one current stream that lived for d.
func (s *Stream) Closed(d time.Duration) { panic("unimplemented") }

// Reconnected counts one redial of a publisher stream.
func (s *Stream) Reconnected() { panic("unimplemented") }

// Buffered adds delta (may be negative) to the buffered-bytes gauge.
func (s *Stream) Buffered(delta int) { panic("unimplemented") }

// AcceptError counts one failed accept on a subscriber's listener.
func (s *Stream) AcceptError() { panic("unimplemented") }
