package ring

import "testing"

func TestQueueRaceDropsSelf(t *testing.T) {
	// The rare cases where Put drops its own frame rather than wait: the
	// room it needs is held by another goroutine in the middle of its work.
	tests := []struct {
		name  string
		setup func(q *Queue) // simulates the other goroutine, frozen mid-way
		size  int
		want  Dropped
		inUse uint64 // positions still claimed afterwards: nothing else dropped
	}{
		{
			name:  "bytes reserved by a Put in progress",
			setup: func(q *Queue) { q.bytes.Add(900) },
			size:  200, want: Dropped{Frames: 1, Bytes: 200, Self: true}, inUse: 0,
		},
		{
			name: "reserved bytes: queued frames go first",
			setup: func(q *Queue) {
				q.Put(1, make([]byte, 50))
				q.bytes.Add(900)
			},
			size: 101, want: Dropped{Frames: 2, Bytes: 151, Self: true}, inUse: 0,
		},
		{
			name: "slot being emptied by a Get",
			setup: func(q *Queue) {
				for range len(q.slots) {
					q.Put(1, []byte{1})
				}
				q.deq.Add(1) // a Get claimed the oldest and has not freed its slot
				q.bytes.Add(-1)
			},
			size: 1, want: Dropped{Frames: 1, Bytes: 1, Self: true}, inUse: 15,
		},
		{
			name: "oldest slot being filled by a Put",
			setup: func(q *Queue) {
				for range len(q.slots) - 1 {
					q.Put(1, []byte{1})
					queueMustGet(t, q, 1, []byte{1})
				}
				q.enq.Add(1) // a Put claimed the next slot and has not filled it
				for range len(q.slots) - 1 {
					q.Put(1, []byte{1})
				}
			},
			size: 1, want: Dropped{Frames: 1, Bytes: 1, Self: true}, inUse: 16,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(1000) // 16 slots
			tt.setup(q)
			before := q.Len()
			if d := q.Put(2, make([]byte, tt.size)); d != tt.want {
				t.Fatalf("Put = %+v, want %+v", d, tt.want)
			}
			if got := q.enq.Load() - q.deq.Load(); got != tt.inUse {
				t.Fatalf("%d positions in use, want %d", got, tt.inUse)
			}
			if l := q.Len(); l > before {
				t.Fatalf("Len grew from %d to %d on a dropped Put", before, l)
			}
		})
	}
}
