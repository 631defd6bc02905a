package reactor

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// BenchmarkPostRoundTrip: Post a task and wait until it has run: the
// latency of reaching a loop from another goroutine, waiting by spinning or
// by blocking on a channel. ref=gnet.Execute is gnet's own cross-goroutine
// path (eventfd wake-up, two allocations per call) for comparison.
func BenchmarkPostRoundTrip(b *testing.B) {
	b.Run("wait=spin", func(b *testing.B) {
		l := startLoop(b)
		var runs atomic.Int64
		task := NewTask(func() { runs.Add(1) })
		b.ReportAllocs()
		for b.Loop() {
			old := runs.Load()
			l.Post(task)
			for runs.Load() == old {
				runtime.Gosched()
			}
		}
	})
	b.Run("wait=chan", func(b *testing.B) {
		l := startLoop(b)
		ch := make(chan struct{}, 1)
		task := NewTask(func() { ch <- struct{}{} })
		b.ReportAllocs()
		for b.Loop() {
			l.Post(task)
			<-ch
		}
	})
	b.Run("ref=gnet.Execute/wait=chan", func(b *testing.B) {
		el := startLoop(b).el
		ch := make(chan struct{}, 1)
		fn := gnet.RunnableFunc(func(context.Context) error { ch <- struct{}{}; return nil })
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := el.Execute(ctx, fn); err != nil {
				b.Fatal(err)
			}
			<-ch
		}
	})
}

// BenchmarkPostThroughput: Post calls per second from 1 and 4 goroutines
// to one loop. Each goroutine cycles through its own tasks: with tasks=1
// nearly every Post finds its task still pending and does nothing (the
// coalescing fast path); with tasks=1024 most Posts push a task. runs/s is
// how many tasks the loop ran.
func BenchmarkPostThroughput(b *testing.B) {
	for _, goroutines := range []int{1, 4} {
		for _, tasks := range []int{1, 1024} {
			b.Run(fmt.Sprintf("goroutines=%d/tasks=%d", goroutines, tasks), func(b *testing.B) {
				l := startLoop(b)
				var runs atomic.Int64
				newTasks := func() *taskCycle {
					ts := make([]*Task, tasks)
					for i := range ts {
						ts[i] = NewTask(func() { runs.Add(1) })
					}
					return &taskCycle{ts: ts}
				}
				b.ReportAllocs()
				if goroutines == 1 {
					ts := newTasks()
					for b.Loop() {
						l.Post(ts.next())
					}
				} else {
					b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						ts := newTasks()
						for pb.Next() {
							l.Post(ts.next())
						}
					})
				}
				b.ReportMetric(float64(runs.Load())/b.Elapsed().Seconds(), "runs/s")
			})
		}
	}
}

// taskCycle hands out its tasks in turn, round and round; next is small
// enough to inline, so a benchmark op stays one Post.
type taskCycle struct {
	ts []*Task
	i  int
}

func (c *taskCycle) next() *Task {
	t := c.ts[c.i]
	if c.i++; c.i == len(c.ts) {
		c.i = 0
	}
	return t
}

// BenchmarkWritev: one op is one Writev of 64 slices of 100 B to a loopback
// TCP peer that reads everything. The loop does the writes in batches of 32
// per posted task and first waits for gnet's outbound buffer to drain, so
// the figure is the steady-state cost of Writev on a loop, not of Post.
func BenchmarkWritev(b *testing.B) {
	const batch = 32
	cases := []struct {
		name   string
		size   int
		slices int
	}{
		{name: "size=100/slices=64", size: 100, slices: 64},
		{name: "size=100/slices=2", size: 100, slices: 2},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := startReactor(b, Config{Loops: 1})
			l := r.Loop(0)
			dialed, accepted := connPair(b, listen(b, "tcp"))
			go func() { _, _ = io.Copy(io.Discard, dialed) }()
			c, err := r.Enroll(accepted, nopHandler{})
			if err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, tc.size*tc.slices)
			src := make([][]byte, tc.slices)
			for i := range src {
				src[i] = payload[i*tc.size : (i+1)*tc.size]
			}
			bufs := make([][]byte, tc.slices)
			done := make(chan struct{}, 1)
			var task *Task
			task = NewTask(func() {
				if c.OutboundBuffered() > 0 {
					l.Post(task) // let the loop flush first
					return
				}
				for range batch {
					copy(bufs, src) // Writev may rewrite the headers
					if _, err := c.Writev(bufs); err != nil {
						panic(err)
					}
				}
				done <- struct{}{}
			})
			b.SetBytes(int64(tc.size * tc.slices))
			b.ReportAllocs()
			credit := 0
			for b.Loop() {
				if credit == 0 {
					l.Post(task)
					<-done
					credit = batch
				}
				credit--
			}
		})
	}
}
