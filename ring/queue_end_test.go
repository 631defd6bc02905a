package ring

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// After End, Get returns what is queued and then End's error; Close
// discards and counts what is left.
func TestQueueEndAndClose(t *testing.T) {
	q := NewQueue(1<<20, 2)
	for i := range 5 {
		q.Lane(i%2).Put(uint32(i%2), queuePayload(i, 50))
	}
	q.Lane(0).Publish()
	q.Lane(1).Publish()
	endErr := fmt.Errorf("ended: %w (%w)", ErrClosed, context.Canceled)
	q.End(endErr)
	q.End(errors.New("second End: ignored"))
	buf := make([]byte, 64)
	for range 5 {
		if _, _, err := q.Get(context.Background(), buf); err != nil {
			t.Fatalf("Get after End: %v, want a queued frame", err)
		}
	}
	if _, _, err := q.Get(context.Background(), buf); err != endErr {
		t.Fatalf("Get on an ended, empty queue = %v, want %v", err, endErr)
	}

	q = NewQueue(1<<20, 2)
	for i := range 7 {
		q.Lane(i%2).Put(0, queuePayload(i, 40))
	}
	q.Lane(0).Publish()
	q.Lane(1).Publish()
	q.Lane(0).Put(0, queuePayload(9, 40)) // put, not yet published
	if n, _, err := q.Get(doneCtx(), buf); err != nil || n != 40 {
		t.Fatalf("Get = %d, %v", n, err)
	}
	if d := q.Close(); d.Frames != 6 || d.Bytes != 240 {
		t.Fatalf("Close = %+v, want 6 frames, 240 B", d)
	}
	if d := q.Lane(0).Publish(); d.Frames != 1 || d.Bytes != 40 {
		t.Fatalf("Publish after Close = %+v, want the frame put before", d)
	}
	if d := q.Lane(1).Put(0, buf); !d.Incoming {
		t.Fatalf("Put after Close = %+v, want Incoming", d)
	}
	if d := q.Close(); d != (Dropped{}) {
		t.Fatalf("second Close = %+v", d)
	}
	if _, _, err := q.Get(context.Background(), buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
	if q.Len() != 0 {
		t.Fatalf("Len after Close = %d", q.Len())
	}
}

// A waiting Get wakes on Publish, on End and on its ctx.
func TestQueueWakeup(t *testing.T) {
	q := NewQueue(1<<20, 3)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			buf := make([]byte, 64)
			n, st, err := q.Get(context.Background(), buf)
			if err == nil && (st != 5 || n != 8) {
				err = fmt.Errorf("got stream %d, %d bytes", st, n)
			}
			errs <- err
		}()
	}
	waitWaiting(t, q, 3)
	for i := range 3 {
		q.Lane(i).Put(5, queuePayload(i, 8))
	}
	q.Lane(2).Publish() // one Publish wakes one Get, which hands on
	q.Lane(0).Publish()
	q.Lane(1).Publish()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _, err := q.Get(ctx, make([]byte, 8))
		errs <- err
	}()
	waitWaiting(t, q, 1)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v, want context.Canceled", err)
	}

	go func() {
		_, _, err := q.Get(context.Background(), make([]byte, 8))
		errs <- err
	}()
	waitWaiting(t, q, 1)
	q.End(ErrClosed)
	if err := <-errs; !errors.Is(err, ErrClosed) {
		t.Fatalf("Get = %v, want ErrClosed", err)
	}
}

// waitWaiting spins until n Gets have announced that they wait.
func waitWaiting(t *testing.T, q *Queue, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for q.waiting.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting = %d, want %d", q.waiting.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Trim gives an empty lane's buffer back and shrinks a mostly empty one;
// frames survive the move.
func TestQueueTrim(t *testing.T) {
	q := NewQueue(16<<20, 1)
	l := q.Lane(0)
	for i := range 20000 {
		l.Put(0, queuePayload(i, 100))
	}
	l.Publish()
	if c := len(*l.mem); c < 2<<20 {
		t.Fatalf("buffer %d B after 2 MB put", c)
	}
	buf := make([]byte, 128)
	for range 19990 {
		if _, _, err := q.Get(doneCtx(), buf); err != nil {
			t.Fatal(err)
		}
	}
	l.Trim()
	if c := len(*l.mem); c != laneMinCap {
		t.Fatalf("buffer %d B after Trim with 10 frames left, want %d", c, laneMinCap)
	}
	for i := 19990; i < 20000; i++ {
		mustGet(t, q, 0, queuePayload(i, 100))
	}
	l.Trim()
	if l.mem != nil || l.buf.Load() != nil {
		t.Fatal("an empty lane kept its buffer after Trim")
	}
	l.Put(3, queuePayload(1, 5))
	l.Publish()
	mustGet(t, q, 3, queuePayload(1, 5))
}
