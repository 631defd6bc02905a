package sub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nanoq/nq/metrics"
)

// Receive copies the next message into buf (up to cap(buf)) and returns it
// with its stream. It waits until a message arrives or ctx is done (ctx.Err());
// a message already queued is returned even then. After Listen's ctx ended it
// returns the messages still queued, then an error that matches both
// ErrClosed and that ctx's error (errors.Is); after Close, ErrClosed (or that
// error) at once. When cap(buf) is too small the message is discarded,
// counted lost (short_buffer), and the error wraps io.ErrShortBuffer. Safe
// for any number of goroutines; messages of one stream come out in order,
// taken in turn from the event loops' queues. Receive works before Bind; it
// returns ErrHandlerSet when the Subscriber delivers to a Handler. A nil ctx
// is taken as context.Background(). Zero allocations.
func (s *Subscriber) Receive(ctx context.Context, buf []byte) (payload []byte, stream StreamDescriptor, err error) {
	if s.queue == nil {
		return nil, 0, ErrHandlerSet
	}
	n, id, err := s.queue.Get(cmp.Or(ctx, context.Background()), buf)
	if err != nil {
		if errors.Is(err, io.ErrShortBuffer) {
			s.listenMetrics.Lost(metrics.ShortBuffer, 1, n)
			return nil, StreamDescriptor(id), fmt.Errorf("nanoq: receive: %d-byte message, %d-byte buffer: %w", n, cap(buf), err)
		}
		return nil, 0, err
	}
	return buf[:n], StreamDescriptor(id), nil
}
