package ring

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQueueContext(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		cancel  bool // cancel once Get waits
		wantErr error
	}{
		{"cancel while waiting", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, true, context.Canceled},
		{"deadline while waiting", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, false, context.DeadlineExceeded},
		{"already canceled and empty", func() (context.Context, context.CancelFunc) {
			return canceled, func() {}
		}, false, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(1024)
			ctx, cancel := tt.ctx()
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, _, err := q.Get(ctx, make([]byte, 64))
				errc <- err
			}()
			if tt.cancel {
				queueWaitWaiting(t, q, 1)
				cancel()
			}
			select {
			case err := <-errc:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Get = %v, want %v", err, tt.wantErr)
				}
			case <-time.After(queueFailAfter):
				t.Fatal("Get did not return after its ctx was done")
			}
			if w := q.waiting.Load(); w != 0 {
				t.Fatalf("waiting = %d after Get returned", w)
			}
			// The queue still works afterwards.
			q.Put(1, []byte("x"))
			queueMustGet(t, q, 1, []byte("x"))
		})
	}
}

func TestQueueClose(t *testing.T) {
	t.Run("wakes every waiter", func(t *testing.T) {
		const waiters = 4
		q := NewQueue(1024)
		errc := make(chan error, waiters)
		for range waiters {
			go func() {
				_, _, err := q.Get(context.Background(), make([]byte, 64))
				errc <- err
			}()
		}
		queueWaitWaiting(t, q, waiters)
		if d := q.Close(); d != (Dropped{}) {
			t.Fatalf("Close of an empty queue = %+v", d)
		}
		for range waiters {
			select {
			case err := <-errc:
				if !errors.Is(err, ErrClosed) {
					t.Fatalf("Get = %v, want ErrClosed", err)
				}
			case <-time.After(queueFailAfter):
				t.Fatal("a waiting Get did not return after Close")
			}
		}
	})
	t.Run("discards and reports what is queued", func(t *testing.T) {
		q := NewQueue(1024)
		q.Put(1, make([]byte, 10))
		q.Put(2, make([]byte, 20))
		q.Put(3, nil)
		if d, want := q.Close(), (Dropped{Frames: 3, Bytes: 30}); d != want {
			t.Fatalf("Close = %+v, want %+v", d, want)
		}
		if d := q.Close(); d != (Dropped{}) {
			t.Fatalf("second Close = %+v, want zero", d)
		}
		if l := q.Len(); l != 0 {
			t.Fatalf("Len after Close = %d", l)
		}
	})
	t.Run("later Get and Put", func(t *testing.T) {
		q := NewQueue(1024)
		q.Close()
		if _, _, err := q.Get(context.Background(), make([]byte, 64)); !errors.Is(err, ErrClosed) {
			t.Fatalf("Get after Close = %v, want ErrClosed", err)
		}
		tests := []struct {
			name string
			size int
		}{{"small", 10}, {"empty", 0}, {"oversize", 2000}}
		for _, tt := range tests {
			if d, want := q.Put(1, make([]byte, tt.size)), (Dropped{Frames: 1, Bytes: tt.size, Self: true}); d != want {
				t.Fatalf("Put %s after Close = %+v, want %+v", tt.name, d, want)
			}
		}
		if d := q.Close(); d != (Dropped{}) {
			t.Fatalf("Close after Puts on a closed queue = %+v, want zero", d)
		}
	})
}

func TestQueueDrainAfterClose(t *testing.T) {
	// Replay the race between Close and a Put in the middle of publishing:
	// the Put has claimed its slot but not filled it when Close drains, so
	// Close stops there; the Put must then find the queue closed and report
	// its own frame.
	q := NewQueue(1024)
	q.Put(1, make([]byte, 5))
	pos := q.enq.Load() // claim the next slot as a Put would, without filling it
	if !q.enq.CompareAndSwap(pos, pos+1) {
		t.Fatal("claim failed")
	}
	q.bytes.Add(7)
	if d, want := q.Close(), (Dropped{Frames: 1, Bytes: 5}); d != want {
		t.Fatalf("Close = %+v, want %+v", d, want)
	}
	s := &q.slots[pos&q.mask]
	s.buf, s.stream = queueGetBuf(7), 2
	s.seq.Store(pos + 1)
	var d Dropped
	q.published(pos, &d)
	if want := (Dropped{Frames: 1, Bytes: 7, Self: true}); d != want {
		t.Fatalf("the late Put reported %+v, want %+v", d, want)
	}
	if l := q.Len(); l != 0 {
		t.Fatalf("Len = %d", l)
	}
}
