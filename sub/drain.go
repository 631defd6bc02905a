package sub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/nanoq/nq/metrics"
)

// Drain ends the Subscriber without losing what its publishers send: it stops
// accepting within milliseconds, once it has taken the connections the kernel
// had queued (the address is then free for a successor), tells every connected
// publisher to finish by closing the write side of its connection (a TCP FIN:
// nothing new on the wire, so the original nanoQ and raw peers work too;
// spread out, one connection per event loop every 2 ms, all within 1 s or a
// quarter of the time ctx leaves), and keeps reading and delivering until each
// publisher has closed its side or ctx ends. A nanoQ publisher reconnects at
// once (to the successor, or through a load balancer to another replica) and
// closes the old connection after what it had handed to its socket. Then Drain
// closes as Listen's end does: what ctx cut short is counted lost
// (disconnected), and messages already queued stay available to Receive, which
// returns them and then an error matching ErrClosed. Drain returns nil when
// every publisher finished, ctx.Err() when ctx cut the drain short, ErrClosed
// after Close. A nil ctx is context.Background().
func (s *Subscriber) Drain(ctx context.Context) error {
	ctx = cmp.Or(ctx, context.Background())
	s.mu.Lock()
	if s.closing || s.draining.Load() {
		s.mu.Unlock()
		return ErrClosed
	}
	s.draining.Store(true)
	ln, done := s.ln, s.acceptDone
	s.mu.Unlock()
	if ln != nil {
		// The close would reset connections the kernel completed but nobody
		// accepted yet, their data lost unseen (behind a load balancer, data
		// already sent). Take them first: each accepting goroutine accepts
		// until a window passes without any. (Take the replica out of a load
		// balancer's rotation first, so that none keep coming.)
		setAcceptDeadline(ln, time.Now().Add(drainAcceptWindow))
		<-done     // no connection is enrolled after this
		ln.Close() // the successor may bind now
		s.log.Infof("draining %s: %d connections", ln.Addr(), s.open.Load())
		s.drainSpread = int64(spreadBound(ctx)) // before the Posts, which order it
		for _, l := range s.loops {
			l.loop.Post(l.drainAll)
		}
	}
	var cut error
	for s.open.Load() > 0 && cut == nil {
		select {
		case <-ctx.Done():
			cut = ctx.Err()
		case <-s.connGone:
		}
	}
	endErr := fmt.Errorf("nanoq: subscriber %s drained: %w", s.addr, ErrClosed)
	if n := s.open.Load(); n == 0 {
		cut = nil // the last one closed as ctx ended: not cut short
	} else if cut != nil {
		s.log.Warnf("drain of %s cut short: %d connections still open: %v", s.addr, n, cut)
		endErr = fmt.Errorf("nanoq: subscriber %s: drain cut short: %w (%w)", s.addr, ErrClosed, cut)
	}
	if err := s.stop(endErr); err != nil && cut == nil {
		return err
	}
	return cut
}

// drainAcceptWindow is how long each accepting goroutine of a draining
// Subscriber waits for one more queued connection; drainAcceptMax bounds
// all of its windows together.
const (
	drainAcceptWindow = 5 * time.Millisecond
	drainAcceptMax    = 100 * time.Millisecond
)

// drainWindow runs on an accepting goroutine when a draining window ends: it
// opens another, and reports true, if the last one accepted connections (more
// may be queued) and the windows have not run past drainAcceptMax.
func drainWindow(ln net.Listener, accepted *int, end *time.Time) bool {
	now := time.Now()
	if end.IsZero() {
		*end = now.Add(drainAcceptMax)
	}
	if *accepted == 0 || now.After(*end) {
		return false
	}
	*accepted = 0
	setAcceptDeadline(ln, now.Add(drainAcceptWindow))
	return true
}

func setAcceptDeadline(ln net.Listener, t time.Time) {
	if d, ok := ln.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(t)
	}
}

// A Drain spreads its FINs out, as NATS's lame-duck mode spreads its client
// closes: each loop closes the write side of one connection every drainGap,
// and of all of them within drainSpreadMax (or a quarter of the time Drain's
// ctx leaves), sending those due every drainPace. Every FIN costs a hand-over
// on both ends (a dial and an enrollment at the publisher, an accept and an
// enrollment at the successor, about 250 µs of CPU in all); sent together,
// they queue behind each other and the streams' traffic on busy cores.
// bench/cmd/rolling -streams 300 -rate 50000 -every 2s -warm 1s, five runs
// alternated: the successors' p99.9 (median per run) was 38–72 ms, median
// 48, with 16 FINs per loop every 2 ms, and 9–32 ms, median 14, spread.
const (
	drainGap       = 2 * time.Millisecond
	drainSpreadMax = time.Second
	drainPace      = 2 * time.Millisecond
)

// spreadBound is how long a Drain with ctx may spread its FINs over.
func spreadBound(ctx context.Context) time.Duration {
	if end, ok := ctx.Deadline(); ok {
		return min(drainSpreadMax, time.Until(end)/4)
	}
	return drainSpreadMax
}

// finsDue is how many of n FINs spread over spread ns are due el ns after
// the first: FIN i is due i/n of the way through.
func finsDue(n int, spread, el int64) int {
	if el >= spread {
		return n
	}
	return min(n, 1+int(el*int64(n)/spread))
}

// drainAllConns starts draining the connections of the loop that are due
// (see drainGap), and comes back after drainPace while others remain. The
// first call counts them. Loop only.
func (l *loopState) drainAllConns() {
	now := time.Now().UnixNano() // not the coarse clock: the pace is finer than its tick
	if l.finStart == 0 {
		l.finStart = now
		for _, c := range l.conns.All() {
			if !c.draining && !c.dead {
				l.finTotal++
			}
		}
		l.finSpread = min(int64(l.finTotal)*int64(drainGap), l.s.drainSpread)
	}
	due := finsDue(l.finTotal, l.finSpread, now-l.finStart)
	coarse := l.s.clock.Now()
	for _, c := range l.conns.All() {
		if c.draining || c.dead {
			continue
		}
		if l.finSent >= due {
			time.AfterFunc(drainPace, func() { l.loop.Post(l.drainAll) }) // a closed loop ignores it
			return
		}
		c.startDrain(coarse)
		l.finSent++
	}
}

// startDrain closes the connection's write side: the publisher reads end
// of file and closes its side once done. Loop only.
func (c *conn) startDrain(now int64) {
	if c.draining || c.dead {
		return
	}
	c.draining, c.drainSince = true, now
	c.m.Count(metrics.DrainBegun)
	c.rc.CloseWrite()
}

// maxAge returns this connection's MaxConnectionAge, jittered by ±10 % so
// that connections opened together do not all rotate at once; 0 for none.
func (o *Options) maxAge() int64 {
	if o.MaxConnectionAge <= 0 {
		return 0
	}
	return int64(float64(o.MaxConnectionAge) * (0.9 + 0.2*rand.Float64()))
}

// errNotDrained is what a drain cut short by MaxConnectionAgeGrace logs.
var errNotDrained = errors.New("publisher did not finish within MaxConnectionAgeGrace")
