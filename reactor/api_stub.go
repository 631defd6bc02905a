package reactor

import (
	"errors"
	"net"

	"github.com/nanoq/nq/internal/logx"
	_ "github.com/panjf2000/gnet/v2" // the implementer imports it for real
)

// This file fixes the package's API. The implementer replaces the bodies
// (and may split the file) but keeps every name and signature.

// ErrClosed is returned by Enroll after Close, and by writes to a connection
// that has closed.
var ErrClosed = errors.New("nanoq: reactor closed")

// Config configures a Reactor. The zero value is usable.
type Config struct {
	// Loops is the number of event loops; 0 means min(GOMAXPROCS, 4).
	Loops int
	// ReadBufferCap is each loop's read buffer; 0 means 64 KiB.
	ReadBufferCap int
	// Logger receives the reactor's and gnet's log lines; nil is silent.
	Logger *logx.Logger
}

// Handler receives a connection's events. Every method runs on the
// connection's event loop and must not block.
type Handler interface {
	// OnOpen runs once, before any other event of c.
	OnOpen(c *Conn)
	// OnData receives bytes read from c. data aliases the loop's read buffer
	// and is valid only during the call: the handler consumes all of it,
	// copying whatever it must keep (such as a trailing partial frame).
	OnData(c *Conn, data []byte)
	// OnClose runs once when c has closed: err is nil for a local close
	// (Conn.Close, Reactor.Close) and the cause otherwise. c is not writable
	// any more.
	OnClose(c *Conn, err error)
}

// Reactor runs gnet event loops that own enrolled connections. Its methods
// are safe for concurrent use but must not be called from an event loop.
type Reactor struct{ _ [0]func() }

// Start starts the event loops.
func Start(cfg Config) (*Reactor, error) { panic("unimplemented") }

// NumLoops returns the number of event loops.
func (r *Reactor) NumLoops() int { panic("unimplemented") }

// Loop returns event loop i, 0 <= i < NumLoops().
func (r *Reactor) Loop(i int) *Loop { panic("unimplemented") }

// Enroll moves nc onto the least loaded loop and returns once h.OnOpen has run
// there. nc itself is closed (the loop owns a duplicate of its descriptor);
// socket options set on nc before the call carry over. After Close it returns
// ErrClosed. Calling it from an event loop deadlocks.
func (r *Reactor) Enroll(nc net.Conn, h Handler) (*Conn, error) { panic("unimplemented") }

// Close closes every connection (each gets OnClose with a nil error), stops
// the loops and returns once their goroutines have exited. Idempotent.
func (r *Reactor) Close() error { panic("unimplemented") }

// Loop is one event loop.
type Loop struct{ _ [0]func() }

// Index returns the loop's index within its Reactor.
func (l *Loop) Index() int { panic("unimplemented") }

// Post runs t on the loop soon. Safe from any goroutine, never blocks, never
// allocates. A task already pending is not queued twice; a task may Post
// itself while it runs. Posting to a closed reactor does nothing.
func (l *Loop) Post(t *Task) { panic("unimplemented") }

// Task is a reusable unit of work for Loop.Post. Create with NewTask or Init.
type Task struct{ _ [0]func() }

// NewTask returns a task that runs fn.
func NewTask(fn func()) *Task { panic("unimplemented") }

// Init sets the function of a task that is not pending.
func (t *Task) Init(fn func()) { panic("unimplemented") }

// Conn is an enrolled connection. Unless a method says otherwise it must be
// called only on the connection's loop.
type Conn struct{ _ [0]func() }

// Loop returns the connection's event loop. Any goroutine.
func (c *Conn) Loop() *Loop { panic("unimplemented") }

// Handler returns the handler given to Enroll. Any goroutine.
func (c *Conn) Handler() Handler { panic("unimplemented") }

// RemoteAddr returns the peer address. Any goroutine.
func (c *Conn) RemoteAddr() net.Addr { panic("unimplemented") }

// IsOpen reports whether the connection is open (between OnOpen and OnClose).
func (c *Conn) IsOpen() bool { panic("unimplemented") }

// Writev writes bufs in order. What the socket does not take at once is copied
// into the reactor's outbound buffer before Writev returns, so the caller may
// reuse bufs' memory at once. More than 1024 slices are written in several
// calls. On a closed connection it returns ErrClosed and writes nothing. A
// write error closes the connection, and OnClose may run before Writev returns.
func (c *Conn) Writev(bufs [][]byte) (int, error) { panic("unimplemented") }

// OutboundBuffered returns the bytes waiting in the reactor's outbound buffer.
func (c *Conn) OutboundBuffered() int { panic("unimplemented") }

// Close closes the connection; OnClose follows with a nil error.
func (c *Conn) Close() { panic("unimplemented") }
