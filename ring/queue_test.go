package ring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"
)

// queueFailAfter bounds every wait in these tests; it only detects a hang.
const queueFailAfter = 10 * time.Second

// queuePayload returns n bytes derived from seed.
func queuePayload(seed, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed*31 + i)
	}
	return p
}

// queueMustGet takes one frame without waiting and checks it.
func queueMustGet(t *testing.T, q *Queue, wantStream uint32, want []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a queued frame is returned even when ctx is done
	buf := make([]byte, 0, 1<<16)
	n, st, err := q.Get(ctx, buf)
	if err != nil {
		t.Fatalf("Get: %v, want a frame", err)
	}
	if st != wantStream || !bytes.Equal(buf[:n], want) {
		t.Fatalf("Get = stream %d, %d bytes %x; want stream %d, %d bytes %x", st, n, buf[:min(n, 8)], wantStream, len(want), want[:min(len(want), 8)])
	}
}

// queueMustBeEmpty checks that Get finds nothing (with a done ctx).
func queueMustBeEmpty(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, _, err := q.Get(ctx, make([]byte, 64)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get on empty queue = %d, %v; want context.Canceled", n, err)
	}
	if l := q.Len(); l != 0 {
		t.Fatalf("Len = %d on an empty queue", l)
	}
}

// queueWaitWaiting spins until n Gets have announced that they wait.
func queueWaitWaiting(t *testing.T, q *Queue, n int32) {
	t.Helper()
	deadline := time.Now().Add(queueFailAfter)
	for q.waiting.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting = %d, want %d", q.waiting.Load(), n)
		}
		runtime.Gosched()
	}
}

func TestQueueSlotsFor(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int
		want     int
	}{
		{"tiny queue gets the minimum", 1, queueMinSlots},
		{"below the minimum", 16 * 256, queueMinSlots},
		{"rounded up to a power of two", 100 * 256, 128},
		{"exact power of two", 1024 * 256, 1024},
		{"capped", 1 << 30, queueMaxSlots},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queueSlotsFor(tt.maxBytes); got != tt.want {
				t.Fatalf("queueSlotsFor(%d) = %d, want %d", tt.maxBytes, got, tt.want)
			}
		})
	}
}

func TestQueueNewPanics(t *testing.T) {
	for _, maxBytes := range []int{0, -1} {
		t.Run(fmt.Sprintf("maxBytes=%d", maxBytes), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("NewQueue(%d) did not panic", maxBytes)
				}
			}()
			NewQueue(maxBytes)
		})
	}
}

func TestQueueFIFO(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
	}{
		{"one frame", []int{10}},
		{"empty payloads", []int{0, 0, 0}},
		{"mixed sizes", []int{1, 64, 65, 1000, 0, 4096, 3}},
		{"more frames than slots over several laps", func() []int {
			s := make([]int, 100)
			for i := range s {
				s[i] = i % 7
			}
			return s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(1 << 20)
			if len(tt.sizes) > len(q.slots) {
				// Interleave Puts and Gets so no slot-full drop happens.
				for i, n := range tt.sizes {
					if d := q.Put(uint32(i), queuePayload(i, n)); d != (Dropped{}) {
						t.Fatalf("Put %d dropped %+v", i, d)
					}
					queueMustGet(t, q, uint32(i), queuePayload(i, n))
				}
				queueMustBeEmpty(t, q)
				return
			}
			for i, n := range tt.sizes {
				if d := q.Put(uint32(i), queuePayload(i, n)); d != (Dropped{}) {
					t.Fatalf("Put %d dropped %+v", i, d)
				}
			}
			for i, n := range tt.sizes {
				queueMustGet(t, q, uint32(i), queuePayload(i, n))
			}
			queueMustBeEmpty(t, q)
		})
	}
}

func TestQueuePutCopies(t *testing.T) {
	q := NewQueue(1024)
	p := queuePayload(1, 100)
	q.Put(7, p)
	for i := range p {
		p[i] = 0 // the caller reuses its buffer at once
	}
	queueMustGet(t, q, 7, queuePayload(1, 100))
}

func TestQueueDropOldest(t *testing.T) {
	type put struct {
		size int
		want Dropped
	}
	tests := []struct {
		name     string
		maxBytes int
		puts     []put
		left     []int // indexes into puts of the frames left, oldest first
	}{
		{
			name: "byte bound drops exactly one", maxBytes: 1000,
			puts: append(queueRepeat(put{100, Dropped{}}, 10), put{100, Dropped{Frames: 1, Bytes: 100}}),
			left: queueRange(1, 11),
		},
		{
			name: "byte bound drops as many as needed", maxBytes: 1000,
			puts: append(queueRepeat(put{100, Dropped{}}, 10), put{350, Dropped{Frames: 4, Bytes: 400}}),
			left: queueRange(4, 11),
		},
		{
			name: "frame of exactly maxBytes empties the queue", maxBytes: 1000,
			puts: []put{{300, Dropped{}}, {200, Dropped{}}, {1000, Dropped{Frames: 2, Bytes: 500}}},
			left: []int{2},
		},
		{
			name: "frame larger than maxBytes is dropped itself", maxBytes: 1000,
			puts: []put{{300, Dropped{}}, {1001, Dropped{Frames: 1, Bytes: 1001, Self: true}}, {200, Dropped{}}},
			left: []int{0, 2},
		},
		{
			name: "slot bound drops the oldest", maxBytes: 16 * 256,
			puts: append(queueRepeat(put{1, Dropped{}}, 16), put{1, Dropped{Frames: 1, Bytes: 1}}, put{0, Dropped{Frames: 1, Bytes: 1}}),
			left: queueRange(2, 18),
		},
		{
			name: "empty frames count against slots only", maxBytes: 16 * 256,
			puts: append(queueRepeat(put{0, Dropped{}}, 16), put{5, Dropped{Frames: 1, Bytes: 0}}),
			left: queueRange(1, 17),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(tt.maxBytes)
			for i, p := range tt.puts {
				if d := q.Put(uint32(i), queuePayload(i, p.size)); d != p.want {
					t.Fatalf("Put %d (%d bytes) = %+v, want %+v", i, p.size, d, p.want)
				}
				if l := q.Len(); l > tt.maxBytes {
					t.Fatalf("Len %d above maxBytes %d", l, tt.maxBytes)
				}
			}
			wantLen := 0
			for _, i := range tt.left {
				wantLen += tt.puts[i].size
			}
			if l := q.Len(); l != wantLen {
				t.Fatalf("Len = %d, want %d", l, wantLen)
			}
			for _, i := range tt.left {
				queueMustGet(t, q, uint32(i), queuePayload(i, tt.puts[i].size))
			}
			queueMustBeEmpty(t, q)
		})
	}
}

func queueRepeat[T any](v T, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func queueRange(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestQueueShortBuffer(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		buf     []byte
		wantErr error
	}{
		{"cap one short", 100, make([]byte, 99), io.ErrShortBuffer},
		{"zero cap", 1, nil, io.ErrShortBuffer},
		{"exact cap", 100, make([]byte, 100), nil},
		{"len 0 but cap enough", 100, make([]byte, 0, 100), nil},
		{"empty frame into nil buf", 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(1 << 16)
			q.Put(3, queuePayload(1, tt.size))
			q.Put(4, queuePayload(2, 10))
			n, st, err := q.Get(context.Background(), tt.buf)
			if !errors.Is(err, tt.wantErr) || n != tt.size || st != 3 {
				t.Fatalf("Get = %d, stream %d, %v; want %d, stream 3, %v", n, st, err, tt.size, tt.wantErr)
			}
			if err == nil && !bytes.Equal(tt.buf[:n], queuePayload(1, tt.size)) {
				t.Fatalf("payload mismatch")
			}
			// The short frame is gone either way; the next one follows.
			queueMustGet(t, q, 4, queuePayload(2, 10))
			queueMustBeEmpty(t, q)
		})
	}
}

func TestQueueLen(t *testing.T) {
	q := NewQueue(1000)
	steps := []struct {
		name string
		do   func()
		want int
	}{
		{"empty", func() {}, 0},
		{"one put", func() { q.Put(1, make([]byte, 300)) }, 300},
		{"empty put", func() { q.Put(1, nil) }, 300},
		{"second put", func() { q.Put(1, make([]byte, 500)) }, 800},
		{"put that drops the oldest", func() { q.Put(1, make([]byte, 400)) }, 900},
		{"oversize put changes nothing", func() { q.Put(1, make([]byte, 1001)) }, 900},
		{"get the empty frame", func() { q.Get(context.Background(), make([]byte, 1000)) }, 900},
		{"get", func() { q.Get(context.Background(), make([]byte, 1000)) }, 400},
		{"close", func() { q.Close() }, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if got := q.Len(); got != s.want {
				t.Fatalf("Len = %d, want %d", got, s.want)
			}
		})
	}
}
