package reactor

import "sync/atomic"

// Task is a reusable unit of work for Loop.Post. Create with NewTask or Init.
// A Task is queued on at most one loop at a time: while it is pending, Post
// does nothing with it.
type Task struct {
	// fn is written by Init while the task is not pending and read by the loop
	// after Post published the task (ordered by the pending CAS and the push).
	fn func()
	// next links pending tasks in a loop's list. The posting goroutine
	// writes it before the push that publishes the task; afterwards only
	// the loop that took the list touches it, until pending is cleared.
	next *Task
	// pending is set by the Post that queues the task, cleared by the loop just before it runs.
	pending atomic.Bool
}

// NewTask returns a task that runs fn.
func NewTask(fn func()) *Task {
	t := new(Task)
	t.Init(fn)
	return t
}

// Init sets the function of a task that is not pending. It panics if fn is
// nil or if the task is pending (posted and not yet started), which would
// race with the loop reading the function.
func (t *Task) Init(fn func()) {
	if fn == nil {
		panic("reactor: Task.Init with a nil function")
	}
	if t.pending.Load() {
		panic("reactor: Task.Init of a pending task")
	}
	t.fn = fn
}

// Pending reports whether the task is queued and has not started yet. A
// snapshot; any goroutine.
func (t *Task) Pending() bool { return t.pending.Load() }
