package pub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nanoq/nq/metrics"
)

// Close is Shutdown with a bound of WriteTimeout (5 s when WriteTimeout is
// 0) on the wait for buffered messages to drain.
func (p *Publisher) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(p.opts.WriteTimeout, 5*time.Second))
	defer cancel()
	return p.Shutdown(ctx)
}

// Shutdown stops accepting messages (Publish returns ErrClosed), waits until
// every stream has written what it buffered to its socket (a stream that is
// reconnecting keeps trying) or ctx is done, then closes every stream,
// counting what was not sent as lost, and returns once the Publisher's
// goroutines have exited. It returns nil only when every message buffered
// at the call was written to a socket; otherwise an error that says how
// many were not and wraps ErrUnsent, and ctx.Err() when ctx cut the wait
// short. A second call waits for the first to finish and returns nil.
func (p *Publisher) Shutdown(ctx context.Context) error {
	if !p.closed.CompareAndSwap(false, true) {
		<-p.done
		return nil
	}
	defer close(p.done)
	err := p.drain(ctx)

	p.dialer.cancel() // dials in progress fail at once
	p.streams.each(func(s *stream) bool {
		s.close()
		return true
	})
	for p.live.Load() > 0 {
		<-p.gone
	}
	close(p.quit)
	p.wg.Wait()
	p.m.Buffered(-p.reported)
	p.reported = 0
	for _, ls := range p.loops {
		ls.timer.Stop()
	}
	release := p.r.Close
	if p.shared {
		release = releaseShared
	}
	rerr := release()
	if n := p.unsent.Load(); n > 0 {
		if err != nil {
			return fmt.Errorf("nanoq: shutdown %s: %d messages not sent: %w (%w)", p.addr, n, ErrUnsent, err)
		}
		return fmt.Errorf("nanoq: shutdown %s: %d messages not sent: %w", p.addr, n, ErrUnsent)
	}
	return rerr
}

// ErrUnsent is wrapped by Shutdown (and Close) when messages buffered at the
// call could not be written to a socket.
var ErrUnsent = errors.New("nanoq: messages not sent")

// lost counts n messages of bytes as lost for reason r, and, once Shutdown
// has begun, as not sent by it. Any goroutine.
func (p *Publisher) lost(r metrics.Reason, n, bytes int) {
	p.m.Lost(r, n, bytes)
	if p.closed.Load() {
		p.unsent.Add(int64(n))
	}
}

// drain waits until no stream that can still send holds unsent bytes. The
// reactor has no drained event, so it looks (walking every stream) after
// 1 ms, then at intervals doubling to 20 ms.
func (p *Publisher) drain(ctx context.Context) error {
	interval := time.Millisecond
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		busy := false
		p.streams.each(func(s *stream) bool {
			switch s.state.Load() {
			case stateOpen:
				if s.ring.Len() > 0 || s.reactorHeld.Load() > 0 {
					busy = true
					if l := s.link.Load(); l != nil {
						l.ls.loop.Post(&l.flush)
						l.ls.loop.Post(l.ls.retry)
					}
				}
			default: // dialing or backing off: its bytes go out once connected
				busy = busy || s.ring.Len() > 0
			}
			return true
		})
		if !busy && p.finishing.Load() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		interval = min(2*interval, 20*time.Millisecond)
		t.Reset(interval)
	}
}

// streamGone records that a stream was finalized.
func (p *Publisher) streamGone() {
	if p.live.Add(-1) == 0 && p.closed.Load() {
		select {
		case p.gone <- struct{}{}:
		default:
		}
	}
}
