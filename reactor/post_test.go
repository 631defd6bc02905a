package reactor

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stressTask checks that it never runs concurrently with itself and that
// every Post is followed by a run that starts after it.
type stressTask struct {
	task    *Task
	running atomic.Bool
	posted  atomic.Int64 // incremented by posters before each Post
	seen    atomic.Int64 // posted as read at the start of the latest run
	runs    atomic.Int64
}

func TestPostStress(t *testing.T) {
	const (
		goroutines = 4
		posts      = 100_000 // in total
		tasks      = 64
	)
	r := startReactor(t, Config{Loops: 2})
	sts := make([]*stressTask, tasks)
	for i := range sts {
		st := &stressTask{}
		st.task = NewTask(func() {
			if !st.running.CompareAndSwap(false, true) {
				t.Error("task runs concurrently with itself")
			}
			st.seen.Store(st.posted.Load())
			st.runs.Add(1)
			st.running.Store(false)
		})
		sts[i] = st
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range posts / goroutines {
				st := sts[(i+g)%tasks]
				st.posted.Add(1)
				// Each task always goes to the same loop: a Task is queued on
				// one loop at a time.
				r.Loop((i + g) % tasks % r.NumLoops()).Post(st.task)
			}
		})
	}
	wg.Wait()
	// Every Post above happened before these fences were pushed, so each
	// queued (or still pending) task runs before the fence of its loop.
	for i := range r.NumLoops() {
		onLoop(t, r.Loop(i), func() {})
	}
	var total int64
	for i, st := range sts {
		if st.seen.Load() != st.posted.Load() {
			t.Errorf("task %d: last run saw %d posts, %d were made", i, st.seen.Load(), st.posted.Load())
		}
		if st.runs.Load() > st.posted.Load() || st.runs.Load() == 0 {
			t.Errorf("task %d ran %d times for %d posts", i, st.runs.Load(), st.posted.Load())
		}
		total += st.runs.Load()
	}
	t.Logf("%d posts from %d goroutines ran %d times (coalesced while pending)", posts, goroutines, total)
}

// blockLoop runs a task on l that waits until release is closed; it returns
// once the task has started.
func blockLoop(t *testing.T, l *Loop) (release func()) {
	t.Helper()
	started, ch := make(chan struct{}), make(chan struct{})
	l.Post(NewTask(func() { close(started); <-ch }))
	wait(t, started, "blocking task")
	return func() { close(ch) }
}

func TestPostSemantics(t *testing.T) {
	t.Run("pending task is not queued twice", func(t *testing.T) {
		l := startLoop(t)
		var runs atomic.Int32
		task := NewTask(func() { runs.Add(1) })
		release := blockLoop(t, l)
		for range 3 {
			l.Post(task)
		}
		release()
		onLoop(t, l, func() {}) // a fence: runs after task
		if n := runs.Load(); n != 1 {
			t.Fatalf("task ran %d times, want 1", n)
		}
	})
	t.Run("Idle and Pending", func(t *testing.T) {
		l := startLoop(t)
		release := blockLoop(t, l)
		if !l.Idle() {
			t.Fatal("Idle() = false with no task pending (the running one was taken)")
		}
		ran := make(chan struct{})
		task := NewTask(func() { close(ran) })
		l.Post(task)
		if l.Idle() || !task.Pending() {
			t.Fatalf("after Post: Idle() = %v, Pending() = %v", l.Idle(), task.Pending())
		}
		release()
		wait(t, ran, "posted task")
		if task.Pending() {
			t.Fatal("Pending() = true after the task started")
		}
		onLoop(t, l, func() {})
		if !l.Idle() {
			t.Fatal("Idle() = false after every task ran")
		}
	})
	t.Run("task re-posts itself", func(t *testing.T) {
		l := startLoop(t)
		var runs int // loop only
		done := make(chan struct{})
		var task *Task
		task = NewTask(func() {
			if runs++; runs < 10 {
				l.Post(task)
				return
			}
			close(done)
		})
		l.Post(task)
		wait(t, done, "10 runs")
	})
	t.Run("FIFO from one goroutine", func(t *testing.T) {
		l := startLoop(t)
		for _, blocked := range []bool{false, true} {
			var got []int // loop only
			tasks := make([]*Task, 100)
			for i := range tasks {
				tasks[i] = NewTask(func() { got = append(got, i) })
			}
			release := func() {}
			if blocked { // all 100 land in one list
				release = blockLoop(t, l)
			}
			for _, task := range tasks {
				l.Post(task)
			}
			release()
			var order []int
			onLoop(t, l, func() { order = slices.Clone(got) })
			if want := seq(100); !slices.Equal(order, want) {
				t.Fatalf("blocked=%v: order %v", blocked, order)
			}
		}
	})
	t.Run("Init of a pending task panics", func(t *testing.T) {
		l := startLoop(t)
		task := NewTask(func() {})
		release := blockLoop(t, l)
		l.Post(task)
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Init of a pending task did not panic")
				}
			}()
			task.Init(func() {})
		}()
		release()
		onLoop(t, l, func() {})
		task.Init(func() {}) // not pending any more
	})
	t.Run("tasks run on their loop", func(t *testing.T) {
		r := startReactor(t, Config{Loops: 2})
		ln := listen(t, "tcp")
		// Enroll conns until both loops have one; a task posted to a conn's
		// loop may touch it.
		seen := map[*Loop]*Conn{}
		for len(seen) < r.NumLoops() {
			_, acc := connPair(t, ln)
			c, err := r.Enroll(acc, newRecorder())
			if err != nil {
				t.Fatal(err)
			}
			seen[c.Loop()] = c
		}
		for l, c := range seen {
			if r.Loop(l.Index()) != l {
				t.Fatalf("Loop(%d) != conn's loop", l.Index())
			}
			onLoop(t, l, func() {
				if _, err := c.Writev([][]byte{[]byte("x")}); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestPostRoundTrips: goroutines post their own task and wait for it, so
// nearly every Post finds an empty or short list and writes a wake-up byte
// while others push concurrently.
func TestPostRoundTrips(t *testing.T) {
	const (
		goroutines = 4
		rounds     = 5_000 // per goroutine
	)
	r := startReactor(t, Config{Loops: 2})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			done := make(chan struct{}, 1)
			task := NewTask(func() { done <- struct{}{} })
			l := r.Loop(g % r.NumLoops())
			for range rounds {
				l.Post(task)
				select {
				case <-done:
				case <-time.After(failAfter):
					t.Error("a posted task did not run: missed wake-up")
					return
				}
			}
		})
	}
	wg.Wait()
}
