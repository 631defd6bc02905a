package reactor

import (
	"runtime"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// wakeByte is what Post writes to a loop's wake-up socket; the value is unused.
var wakeByte = [1]byte{1}

// Loop is one event loop. Post pushes tasks on a lock-free list and wakes the
// loop through a socketpair only when the list was empty; docs/reactor.md shows
// that no wake-up is missed and that Post never writes to a closed descriptor.
type Loop struct {
	// Immutable after Start returns:
	index int
	r     *Reactor
	wfd   int            // write end of the wake-up socketpair
	el    gnet.EventLoop // set by the wake conn's OnOpen on this loop during Start

	head    atomic.Pointer[Task] // pending tasks, newest first
	closed  atomic.Bool          // set once by Reactor.Close; Post then does nothing
	writers atomic.Int32         // Posts between their closed check and their write
}

// Index returns the loop's index within its Reactor.
func (l *Loop) Index() int { return l.index }

// Post runs t on the loop soon. Safe from any goroutine, never blocks, never
// allocates. A task already pending is not queued twice; a task may Post
// itself while it runs (it then runs again in a later round, after the loop
// has polled for I/O). Tasks that one goroutine posts while they are not
// pending run in the order of those Posts.
//
// Post a given task to one loop only: pending is cleared as a task starts,
// so a Post to another loop while it runs could run it on both loops at
// once, and a Post to another loop while it is pending does nothing (it
// runs on the first loop). Posting to a closed reactor does nothing, and
// tasks still pending when the reactor closes never run.
func (l *Loop) Post(t *Task) {
	// Load before CompareAndSwap: a failed CAS still takes the cache line
	// exclusively, and publishers find the task pending most of the time.
	if t.pending.Load() || l.closed.Load() || !t.pending.CompareAndSwap(false, true) {
		return
	}
	for {
		old := l.head.Load()
		t.next = old
		if l.head.CompareAndSwap(old, t) {
			if old == nil {
				l.wake()
			}
			if l.closed.Load() {
				// Close ran since the check above: nothing will run the
				// list, so forget it, as shutdown does (each Swap takes
				// distinct tasks, so every flag is cleared once).
				l.forget()
			}
			return
		}
	}
}

// Idle reports whether no task is pending on the loop: a snapshot, any
// goroutine. A loop with tasks pending runs soon anyway.
func (l *Loop) Idle() bool { return l.head.Load() == nil }

// wake writes one byte to the loop's wake-up socket unless the reactor is
// closing (docs/reactor.md says why this never hits a closed descriptor).
func (l *Loop) wake() {
	l.writers.Add(1)
	if !l.closed.Load() {
		for {
			// EAGAIN: the socket holds unread bytes, the loop wakes anyway.
			// EPIPE cannot happen before Close; it is harmless after.
			if _, err := unix.Write(l.wfd, wakeByte[:]); err != unix.EINTR {
				break
			}
		}
	}
	l.writers.Add(-1)
}

// runTasks runs every task pending at the time of the call, oldest first.
// Loop only.
func (l *Loop) runTasks() {
	var fifo *Task
	for t := l.head.Swap(nil); t != nil; {
		t.next, fifo, t = fifo, t, t.next // reverse the list
	}
	for t := fifo; t != nil; {
		// Read everything needed before clearing pending: from then on a
		// Post (or Init) on another goroutine may rewrite next and fn.
		next, fn := t.next, t.fn
		t.next = nil
		t.pending.Store(false)
		fn()
		t = next
	}
}

// shutdown closes the wake-up descriptor and forgets pending tasks; it runs
// in Reactor.Close after the loop goroutines exited and closed was set.
func (l *Loop) shutdown() {
	for l.writers.Load() != 0 {
		runtime.Gosched() // a Post is inside its single non-blocking write
	}
	_ = unix.Close(l.wfd)
	l.forget()
}

// forget empties the list without running its tasks, clearing their
// pending flags so they can be posted again (to another reactor).
func (l *Loop) forget() {
	for t := l.head.Swap(nil); t != nil; {
		next := t.next
		t.next = nil
		t.pending.Store(false)
		t = next
	}
}

// wakeHandler is the Handler of a loop's wake-up connection. Its events
// never reach user handlers.
type wakeHandler struct{ l *Loop }

// OnOpen records which gnet loop this Loop is.
func (w wakeHandler) OnOpen(c *Conn) { w.l.el = c.gc.EventLoop() }

// OnData runs the pending tasks; the bytes themselves carry nothing.
func (w wakeHandler) OnData(*Conn, []byte) { w.l.runTasks() }

// OnClose reports an unexpected loss of the wake-up socket: tasks posted to
// this loop would never run again. gnet closes every conn with a nil error
// when a loop exits, also on its own (an epoll failure): only a nil-error
// close after Reactor.Close set closed is expected.
func (w wakeHandler) OnClose(_ *Conn, err error) {
	if err != nil || !w.l.closed.Load() {
		w.l.r.log.Errorf("reactor: loop %d lost its wake-up socket, posted tasks will not run: %v", w.l.index, err)
	}
}
