package ring

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
)

// Producers on several lanes put batches of frames of random sizes into a
// small queue while several Gets take them. Every frame must come out
// intact and once, in order per lane for each Get, or be reported dropped
// exactly once; the budget must hold at every look.
func TestQueueStress(t *testing.T) {
	for _, c := range []struct {
		name           string
		lanes, readers int
		limit          int
		maxSize        int
		perLane        int
	}{
		{"1 lane, 1 reader, overflowing", 1, 1, 32 << 10, 300, 20000},
		{"3 lanes, 4 readers, overflowing", 3, 4, 64 << 10, 2000, 20000},
		{"2 lanes, 2 readers, large frames", 2, 2, 256 << 10, 60000, 3000},
	} {
		t.Run(c.name, func(t *testing.T) {
			perLane := c.perLane
			q := NewQueue(c.limit, c.lanes)
			var wg sync.WaitGroup
			dropped := make([]int, c.lanes)
			for lane := range c.lanes {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(lane), 1))
					l := q.Lane(lane)
					for seq := range perLane {
						d := l.Put(uint32(lane), stressRecord(lane, seq, 8+rng.IntN(c.maxSize)))
						dropped[lane] += d.Frames
						if rng.IntN(8) == 0 || seq == perLane-1 {
							dropped[lane] += l.Publish().Frames
						}
						if rng.IntN(64) == 0 {
							l.Trim()
						}
						if q.Len() > c.limit {
							t.Errorf("Len %d above the limit %d", q.Len(), c.limit)
						}
					}
				})
			}
			ctx, cancel := context.WithCancel(context.Background())
			got := make([]int, c.readers)
			errs := make(chan error, c.readers)
			var rwg sync.WaitGroup
			for r := range c.readers {
				rwg.Go(func() {
					buf := make([]byte, c.maxSize+8)
					last := make([]int, c.lanes)
					for i := range last {
						last[i] = -1
					}
					for {
						n, st, err := q.Get(ctx, buf)
						if err != nil {
							if errors.Is(err, context.Canceled) {
								errs <- nil
							} else {
								errs <- err
							}
							return
						}
						lane := int(binary.LittleEndian.Uint32(buf))
						seq := int(binary.LittleEndian.Uint32(buf[4:]))
						if lane != int(st) || lane >= c.lanes || seq <= last[lane] ||
							!bytes.Equal(buf[:n], stressRecord(lane, seq, n)) {
							errs <- errors.New("a frame came out corrupt, twice or out of order")
							return
						}
						last[lane] = seq
						got[r]++
					}
				})
			}
			wg.Wait()
			cancel() // the readers take what is queued, then return

			rwg.Wait()
			for range c.readers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			left := q.Close()
			total := left.Frames
			for _, n := range dropped {
				total += n
			}
			for _, n := range got {
				total += n
			}
			if want := c.lanes * perLane; total != want {
				t.Fatalf("received %v + dropped %v + left %d = %d, want %d", got, dropped, left.Frames, total, want)
			}
			t.Logf("received %v, dropped %v", got, dropped)
		})
	}
}
