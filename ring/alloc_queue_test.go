//go:build !race

package ring

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

func TestQueueAllocs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, size := range []int{0, 100, 1024, 64 << 10} {
		payload := queuePayload(1, size)
		buf := make([]byte, size)
		tests := []struct {
			name string
			q    *Queue
			run  func(q *Queue)
		}{
			{"put+get", NewQueue(1 << 20), func(q *Queue) {
				q.Put(1, payload)
				if _, _, err := q.Get(ctx, buf); err != nil {
					t.Fatal(err)
				}
			}},
			{"put dropping the oldest", NewQueue(max(size, 1)), func(q *Queue) {
				q.Put(1, payload)
			}},
			{"put+get with a waiter announced", NewQueue(1 << 20), func(q *Queue) {
				q.waiting.Add(1) // Put signals, Get hands the token on
				q.Put(1, payload)
				q.Put(1, payload)
				q.waiting.Add(-1)
				q.Get(ctx, buf)
				q.Get(ctx, buf)
				select {
				case <-q.ready:
				default:
				}
			}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/size=%d", tt.name, size), func(t *testing.T) {
				for range 100 { // warm the pools
					tt.run(tt.q)
				}
				if n := testing.AllocsPerRun(1000, func() { tt.run(tt.q) }); n != 0 {
					t.Fatalf("%v allocs per run, want 0", n)
				}
			})
		}
	}
}

// TestQueueAllocsWaiting measures a Get that blocks until another goroutine
// puts a frame.
func TestQueueAllocsWaiting(t *testing.T) {
	q := NewQueue(1 << 20)
	payload, buf := queuePayload(1, 100), make([]byte, 100)
	kick, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for range kick {
			for q.waiting.Load() == 0 {
				runtime.Gosched()
			}
			q.Put(1, payload)
		}
	}()
	defer func() { close(kick); <-done }()
	getWaiting := func() {
		kick <- struct{}{}
		if _, _, err := q.Get(context.Background(), buf); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		getWaiting()
	}
	if n := testing.AllocsPerRun(1000, getWaiting); n != 0 {
		t.Fatalf("%v allocs per run, want 0", n)
	}
}
