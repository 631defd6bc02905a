package sub

import (
	"time"

	"github.com/nanoq/nq/reactor"
)

// loopState is the subscriber's registry of the connections on one event
// loop, for the idle sweep. All fields but the read-only s, loop and sweep
// are event-loop only.
type loopState struct {
	s     *Subscriber
	loop  *reactor.Loop
	sweep *reactor.Task // closeIdle
	trim  *reactor.Task // gives the receive queue's memory back; nil with a Handler
	conns []*conn
}

func newLoopState(s *Subscriber, l *reactor.Loop) *loopState {
	ls := &loopState{s: s, loop: l}
	ls.sweep = reactor.NewTask(ls.closeIdle)
	if s.queue != nil {
		ls.trim = reactor.NewTask(s.queue.Lane(l.Index()).Trim)
	}
	return ls
}

func (l *loopState) add(c *conn) {
	c.slot = len(l.conns)
	l.conns = append(l.conns, c)
}

func (l *loopState) remove(c *conn) {
	last := len(l.conns) - 1
	if c.slot > last || l.conns[c.slot] != c {
		return
	}
	l.conns[c.slot] = l.conns[last]
	l.conns[c.slot].slot = c.slot
	l.conns[last] = nil
	l.conns = l.conns[:last]
}

// closeIdle runs on the loop: it closes connections silent for longer than
// KeepaliveTimeout. It walks backwards because a close may remove the
// current element at once (swapping in one already visited).
func (l *loopState) closeIdle() {
	timeout := int64(l.s.opts.KeepaliveTimeout)
	now := l.s.clock.Load()
	for i := len(l.conns) - 1; i >= 0; i-- {
		if i >= len(l.conns) {
			continue
		}
		c := l.conns[i]
		if !c.dead && now-c.lastSeen > timeout {
			l.s.log.Infof("stream %d from %s: silent for %v, closing", c.desc, c.rc.RemoteAddr(), l.s.opts.KeepaliveTimeout)
			c.dead = true
			c.rc.Close()
		}
	}
}

// trimPeriod is how often each loop trims its lane of the receive queue.
const trimPeriod = time.Second

// tick runs on its own goroutine: it advances the coarse clock, asks every
// loop to sweep idle connections and, once a second, to trim its lane of
// the receive queue, and reports the queue's size.
func (s *Subscriber) tick() {
	defer s.wg.Done()
	ka := s.opts.KeepaliveTimeout
	period := time.Second
	if ka > 0 {
		period = min(period, max(ka/4, time.Millisecond))
	}
	t := time.NewTicker(period)
	defer t.Stop()
	var trimmed time.Time
	for {
		select {
		case <-s.quit:
			return
		case now := <-t.C:
			s.clock.Store(now.UnixNano())
			trim := now.Sub(trimmed) >= trimPeriod
			if trim {
				trimmed = now
			}
			for _, l := range s.loops {
				if ka > 0 {
					l.loop.Post(l.sweep)
				}
				if trim && l.trim != nil {
					l.loop.Post(l.trim)
				}
			}
			s.reportQueue()
		}
	}
}

// reportQueue moves the buffered-bytes gauge to the queue's size. Timer
// goroutine only (and Close, after that goroutine has exited).
func (s *Subscriber) reportQueue() {
	if s.queue == nil {
		return
	}
	cur := s.queue.Len()
	s.lm.Buffered(cur - s.reportedQueue)
	s.reportedQueue = cur
}
