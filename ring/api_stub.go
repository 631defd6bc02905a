package ring

import (
	"context"
	"errors"

	_ "github.com/valyala/bytebufferpool" // the implementer may import it for real
)

// This file fixes the package's API. The implementer replaces the bodies
// (and may split the file) but keeps every name and signature.

// ErrClosed is returned by operations on a closed Queue (and reused by the
// publisher and subscriber for their own Close).
var ErrClosed = errors.New("nanoq: closed")

// Dropped counts frames lost by one call, with their encoded size in bytes.
type Dropped struct {
	Frames int
	Bytes  int
	// Self is true when the frame being put was itself among the dropped.
	Self bool
}

// Bytes is the per-stream outbound ring of encoded frames, uvarint(len)‖payload.
//
// Producers: Put, Free, Discard and Len are safe for concurrent use by any
// number of goroutines; producers serialize on a small internal mutex.
// Consumer: Peek and Release are called by one goroutine at a time (the
// stream's event loop), never take that mutex and never block.
type Bytes struct{ _ [0]func() }

// NewBytes returns an empty ring whose encoded content never exceeds limit
// bytes. It holds no buffer memory until the first Put, grows in powers of
// two up to limit, and gives memory back to a pool (Free).
func NewBytes(limit int) *Bytes { panic("unimplemented") }

// Put appends uvarint(len(payload))‖payload as one frame. When it does not
// fit, the oldest whole frames are dropped to make room; only while those
// bytes are in flight (between Peek and Release) is the new frame dropped
// instead. A frame larger than limit is dropped (Self). Never blocks on the
// consumer; zero allocations once the ring has grown.
func (b *Bytes) Put(payload []byte) Dropped { panic("unimplemented") }

// Peek takes whole frames from the head for one writev: at most max bytes,
// or the first frame alone when it is larger than max. first and second are
// the readable bytes before and after the wrap (second may be empty). frames
// is the number of frames taken. The bytes stay valid and untouched by
// producers until Release. Returns zero values when the ring is empty.
func (b *Bytes) Peek(max int) (first, second []byte, frames int) { panic("unimplemented") }

// Release gives back everything taken by the last Peek.
func (b *Bytes) Release() { panic("unimplemented") }

// Len returns the encoded bytes buffered now (a snapshot; any goroutine).
func (b *Bytes) Len() int { panic("unimplemented") }

// Discard drops every frame not in flight and reports them (for loss
// accounting when a stream closes). Producer side.
func (b *Bytes) Discard() Dropped { panic("unimplemented") }

// Free returns the buffer to the pool when the ring is empty and nothing is
// in flight, and reports whether the ring now holds no buffer. Producer side;
// a later Put takes a buffer again.
func (b *Bytes) Free() bool { panic("unimplemented") }

// Queue is the subscriber's bounded receive queue: event loops Put frames,
// Receive callers Get them. Every method is safe for concurrent use. Put never
// blocks; when the queue is full it drops the oldest frames (see the package
// doc for why) and reports them.
type Queue struct{ _ [0]func() }

// NewQueue returns a queue holding at most maxBytes of payload.
func NewQueue(maxBytes int) *Queue { panic("unimplemented") }

// Put copies payload into the queue, tagged with stream. Never blocks, never
// takes a lock a Get caller can hold while waiting; zero allocations in steady state.
func (q *Queue) Put(stream uint32, payload []byte) Dropped { panic("unimplemented") }

// Get copies the oldest frame into buf[:cap(buf)] and returns its length and
// stream. When cap(buf) is too small the frame is discarded and Get returns
// its length with io.ErrShortBuffer. It waits for a frame until ctx is done
// (ctx.Err()) or the queue is closed (ErrClosed), with no missed wake-ups.
func (q *Queue) Get(ctx context.Context, buf []byte) (n int, stream uint32, err error) {
	panic("unimplemented")
}

// Len returns the number of payload bytes queued now.
func (q *Queue) Len() int { panic("unimplemented") }

// Close wakes every waiting Get (they return ErrClosed), discards what is
// queued and reports it. Later Puts are dropped and reported.
func (q *Queue) Close() Dropped { panic("unimplemented") }
