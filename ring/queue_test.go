package ring

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// queuePayload returns n bytes derived from seed.
func queuePayload(seed, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed*31 + i)
	}
	return p
}

// doneCtx is a context that is already done: Get then never waits.
func doneCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func mustGet(t *testing.T, q *Queue, wantStream uint32, want []byte) {
	t.Helper()
	buf := make([]byte, 0, 1<<20)
	n, st, err := q.Get(doneCtx(), buf)
	if err != nil {
		t.Fatalf("Get: %v, want a frame", err)
	}
	if st != wantStream || !bytes.Equal(buf[:n], want) {
		t.Fatalf("Get = stream %d, %d bytes %x; want stream %d, %d bytes %x", st, n, buf[:min(n, 8)], wantStream, len(want), want[:min(len(want), 8)])
	}
}

func mustBeEmpty(t *testing.T, q *Queue) {
	t.Helper()
	if n, _, err := q.Get(doneCtx(), make([]byte, 64)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get on an empty queue = %d, %v; want context.Canceled", n, err)
	}
	if l := q.Len(); l != 0 {
		t.Fatalf("Len = %d on an empty queue", l)
	}
}

func TestQueueNewPanics(t *testing.T) {
	for _, c := range []struct{ limit, lanes int }{{0, 1}, {-1, 1}, {1 << 20, 0}, {maxQueue + 1, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewQueue(%d, %d) did not panic", c.limit, c.lanes)
				}
			}()
			NewQueue(c.limit, c.lanes)
		}()
	}
}

// Frames come out per lane in order, the lanes in turn, across wraps of
// the buffer and its growth, and only once published.
func TestQueueOrderAndTurns(t *testing.T) {
	q := NewQueue(1<<20, 2)
	a, b := q.Lane(0), q.Lane(1)
	for i := range 3 {
		a.Put(1, queuePayload(i, 10+i))
		b.Put(2, queuePayload(100+i, 20+i))
	}
	if _, _, err := q.Get(doneCtx(), make([]byte, 64)); err == nil {
		t.Fatal("Get took a frame before Publish")
	}
	a.Publish()
	b.Publish()
	got := map[uint32]int{}
	for range 6 {
		buf := make([]byte, 64)
		n, st, err := q.Get(doneCtx(), buf)
		if err != nil {
			t.Fatal(err)
		}
		seed := got[st]
		if st == 2 {
			seed += 100
		}
		if want := queuePayload(seed, n); !bytes.Equal(buf[:n], want) || n != map[uint32]int{1: 10, 2: 20}[st]+got[st] {
			t.Fatalf("stream %d frame %d: got %x", st, got[st], buf[:n])
		}
		got[st]++
	}
	mustBeEmpty(t, q)

	// One lane, payloads of every alignment, through several laps and
	// growth from 64 KiB.
	seq := 0
	for round := range 50 {
		sizes := []int{0, 1, 7, 8, 9, 100, 1000, 5000 + round*997}
		for _, n := range sizes {
			if d := a.Put(uint32(n), queuePayload(seq+n, n)); d.Frames != 0 {
				t.Fatalf("dropped %+v with room to spare", d)
			}
		}
		a.Publish()
		for _, n := range sizes {
			mustGet(t, q, uint32(n), queuePayload(seq+n, n))
		}
		seq++
	}
	mustBeEmpty(t, q)
}

// A full queue drops the oldest frames (a chunk of them at a time), counts
// them exactly (payload bytes) and keeps the newest.
func TestQueueDropOldest(t *testing.T) {
	const limit = 64 << 10
	q := NewQueue(limit, 1)
	l := q.Lane(0)
	fit := limit / int(recordSize(100))
	var dropped Dropped
	const total = 3000
	for i := range total {
		d := l.Put(0, queuePayload(i, 100))
		if d.Incoming {
			t.Fatalf("frame %d dropped itself: %+v", i, d)
		}
		dropped.Frames += d.Frames
		dropped.Bytes += d.Bytes
		if i%100 == 99 {
			l.Publish()
		}
		if q.Len() > limit {
			t.Fatalf("Len %d above the limit %d", q.Len(), limit)
		}
	}
	l.Publish()
	kept := total - dropped.Frames
	if dropped.Bytes != 100*dropped.Frames || kept > fit || kept < fit-int(q.chunk)/int(recordSize(100))-1 {
		t.Fatalf("dropped %+v of %d, keeping %d; %d fit", dropped, total, kept, fit)
	}
	for i := dropped.Frames; i < total; i++ { // the newest, in order
		mustGet(t, q, 0, queuePayload(i, 100))
	}
	mustBeEmpty(t, q)

	// Larger than the whole limit: dropped at once.
	if d := l.Put(0, make([]byte, limit)); !d.Incoming || d.Frames != 1 || d.Bytes != limit {
		t.Fatalf("oversize Put = %+v", d)
	}
}

// Over the shared budget, a lane drops the oldest frames of the lane
// holding the most, not its own new ones.
func TestQueueDropsFromTheLargestLane(t *testing.T) {
	const limit = 64 << 10
	q := NewQueue(limit, 2)
	old, fresh := q.Lane(0), q.Lane(1)
	n := limit / int(recordSize(100))
	for i := range n {
		old.Put(1, queuePayload(i, 100))
	}
	old.Publish()
	var d Dropped
	for i := range 10 {
		dd := fresh.Put(2, queuePayload(1000+i, 100))
		d.Frames += dd.Frames
		if dd.Incoming {
			t.Fatalf("the fresh lane dropped its own frame: %+v", dd)
		}
	}
	fresh.Publish()
	// The old lane lost its oldest; the fresh lane lost nothing.
	var seen [3][]int
	buf := make([]byte, 128)
	for {
		_, st, err := q.Get(doneCtx(), buf)
		if err != nil {
			break
		}
		seen[st] = append(seen[st], int(buf[0]))
	}
	if len(seen[2]) != 10 || d.Frames < 10 || len(seen[1]) != n-d.Frames || seen[1][0] != int(queuePayload(d.Frames, 1)[0]) {
		t.Fatalf("dropped %d; the old lane kept %d (first %v), the fresh lane %d", d.Frames, len(seen[1]), seen[1][:1], len(seen[2]))
	}
}

// A frame larger than buf is discarded, reported with its length.
func TestQueueShortBuffer(t *testing.T) {
	q := NewQueue(1<<20, 1)
	q.Lane(0).Put(7, queuePayload(1, 300))
	q.Lane(0).Put(8, queuePayload(2, 10))
	q.Lane(0).Publish()
	n, st, err := q.Get(doneCtx(), make([]byte, 100))
	if !errors.Is(err, io.ErrShortBuffer) || n != 300 || st != 7 {
		t.Fatalf("Get = %d, %d, %v; want 300, 7, io.ErrShortBuffer", n, st, err)
	}
	mustGet(t, q, 8, queuePayload(2, 10))
	mustBeEmpty(t, q)
}

// stressRecord is a stress frame: lane, sequence number, then filler
// derived from both.
func stressRecord(lane, seq, n int) []byte {
	p := queuePayload(lane*7919+seq, n)
	binary.LittleEndian.PutUint32(p, uint32(lane))
	binary.LittleEndian.PutUint32(p[4:], uint32(seq))
	return p
}
