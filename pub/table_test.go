package pub

import (
	"fmt"
	"sync"
	"testing"
)

func TestStreamTable(t *testing.T) {
	var tb streamTable
	if tb.load("x") != nil {
		t.Fatal("empty table found a stream")
	}
	tb.remove(&stream{key: "x"}) // on an empty table: no panic
	const n = 5000
	ss := make([]*stream, n)
	for i := range ss {
		var key any = i
		if i%3 == 1 {
			key = fmt.Sprint("k", i)
		} else if i%3 == 2 {
			key = int64(i) // int64(i) and int(i) are different keys
		}
		ss[i] = &stream{key: key}
		if got, stored := tb.loadOrStore(ss[i]); !stored || got != ss[i] {
			t.Fatalf("loadOrStore %v: %p, %v; want a new entry", key, got, stored)
		}
	}
	if got, stored := tb.loadOrStore(&stream{key: ss[7].key}); stored || got != ss[7] {
		t.Fatalf("loadOrStore of a present key: %p, %v; want the stored stream", got, stored)
	}
	for i, s := range ss {
		if got := tb.load(s.key); got != s {
			t.Fatalf("load %v (#%d) = %p, want %p", s.key, i, got, s)
		}
	}
	if tb.load(int32(7)) != nil || tb.load("7") != nil {
		t.Fatal("found a key of another type")
	}
	// Remove a stream that is not the one stored: nothing changes.
	tb.remove(&stream{key: ss[9].key})
	if tb.load(ss[9].key) != ss[9] {
		t.Fatal("remove of another stream with the same key removed the stored one")
	}
	// Remove all but every tenth; the table shrinks and keeps the rest.
	grown := len(*tb.slots.Load())
	for i, s := range ss {
		if i%10 != 0 {
			tb.remove(s)
		}
	}
	if shrunk := len(*tb.slots.Load()); shrunk >= grown {
		t.Fatalf("slots: %d after removing 90%%, %d before; want fewer", shrunk, grown)
	}
	seen := map[*stream]int{}
	tb.each(func(s *stream) bool { seen[s]++; return true })
	for i, s := range ss {
		want := 0
		if i%10 == 0 {
			want = 1
			if tb.load(s.key) != s {
				t.Fatalf("kept stream %v not found", s.key)
			}
		} else if tb.load(s.key) != nil {
			t.Fatalf("removed stream %v still found", s.key)
		}
		if seen[s] != want {
			t.Fatalf("each visited %v %d times, want %d", s.key, seen[s], want)
		}
	}
	if tb.live != n/10 || tb.dead > len(*tb.slots.Load())/2 {
		t.Fatalf("live %d, dead %d of %d slots", tb.live, tb.dead, len(*tb.slots.Load()))
	}
	stopped := 0
	tb.each(func(*stream) bool { stopped++; return false })
	if stopped != 1 {
		t.Fatalf("each went on after false: %d calls", stopped)
	}
}

// TestStreamTableChurn keeps the table full of deleted slots by storing and
// removing in turn: every insert must still find an empty slot (a probe that
// never meets one would loop forever).
func TestStreamTableChurn(t *testing.T) {
	var tb streamTable
	keep := &stream{key: -1}
	tb.loadOrStore(keep)
	for i := range 10000 {
		s := &stream{key: i}
		tb.loadOrStore(s)
		tb.remove(s)
	}
	if tb.load(-1) != keep || tb.live != 1 {
		t.Fatalf("live %d; kept stream found: %v", tb.live, tb.load(-1) == keep)
	}
	if n := len(*tb.slots.Load()); tb.live+tb.dead > n*3/4 {
		t.Fatalf("live %d + dead %d > 3/4 of %d slots", tb.live, tb.dead, n)
	}
}

// TestStreamTableConcurrent runs lookups against stores, removals and
// rehashes (run it with -race).
func TestStreamTableConcurrent(t *testing.T) {
	var tb streamTable
	const keys = 2000
	permanent := make([]*stream, keys)
	for i := range permanent {
		permanent[i] = &stream{key: i}
		tb.loadOrStore(permanent[i])
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for w := range 2 {
		wg.Add(1)
		go func() { // churn other keys, growing and shrinking the table
			defer wg.Done()
			for round := 0; ; round++ {
				select {
				case <-done:
					return
				default:
				}
				batch := make([]*stream, 3000)
				for i := range batch {
					batch[i] = &stream{key: fmt.Sprint(w, "/", round, "/", i)}
					if _, stored := tb.loadOrStore(batch[i]); !stored {
						errs <- fmt.Errorf("fresh key %v already present", batch[i].key)
						return
					}
				}
				for _, s := range batch {
					tb.remove(s)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() { // every permanent key is always found
			defer wg.Done()
			for range 50 {
				for i, s := range permanent {
					if got := tb.load(i); got != s {
						errs <- fmt.Errorf("load %d = %p during churn, want %p", i, got, s)
						return
					}
				}
			}
		}()
	}
	// each sees every permanent stream exactly once, whatever the churn.
	for range 20 {
		seen := make(map[*stream]int, keys)
		tb.each(func(s *stream) bool { seen[s]++; return true })
		for _, s := range permanent {
			if seen[s] != 1 {
				t.Fatalf("each saw permanent stream %v %d times during churn", s.key, seen[s])
			}
		}
	}
	// The readers finish on their own; then stop the writers.
	readers := make(chan struct{})
	go func() {
		defer close(readers)
		for range 50 {
			for i, s := range permanent {
				if tb.load(i) != s {
					errs <- fmt.Errorf("load %d lost during churn", i)
					return
				}
			}
		}
	}()
	<-readers
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStreamTableLoadAllocs(t *testing.T) {
	var tb streamTable
	for i := range 100 {
		tb.loadOrStore(&stream{key: fmt.Sprint("key-", i)})
	}
	tb.loadOrStore(&stream{key: 42})
	var key any = "key-57"
	var ikey any = 42
	if n := testing.AllocsPerRun(1000, func() {
		if tb.load(key) == nil || tb.load(ikey) == nil {
			panic("not found")
		}
	}); n != 0 {
		t.Fatalf("load allocates %v times", n)
	}
}

func BenchmarkStreamTableLoad(b *testing.B) {
	for _, n := range []int{1000, 15000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var tb streamTable
			keys := make([]any, n)
			for i := range keys {
				keys[i] = i
				tb.loadOrStore(&stream{key: keys[i]})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if tb.load(keys[i%n]) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}
