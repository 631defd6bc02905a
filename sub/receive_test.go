package sub

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// Publishers on several loops overrun a small queue read by several
// Receive goroutines; then the readers pause, the publishers send as much
// again, and Close cuts what is queued. Every message sent is received once
// (intact, in order per stream for each reader) or counted lost, exactly.
func TestReceiveOverloadExact(t *testing.T) {
	const conns, perConn, size = 6, 20000, 64
	m, reg := nettest.NewMetrics(t)
	s := startSub(t, nettest.TCPURL, Options{Metrics: m, EventLoops: 3, MaxPayload: 1 << 10, QueueBytes: 32 << 10})

	type got struct{ stream, seq int }
	// Halfway, the readers pause until after Close, so that Close finds
	// the queue full.
	pause, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	hold := make(chan struct{})
	var holding sync.WaitGroup
	holding.Add(4)
	results := make(chan []got, 4)
	errs := make(chan error, 4+conns+1)
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			var mine []got
			paused := sync.OnceFunc(holding.Done)
			last := map[StreamDescriptor]int{}
			buf := make([]byte, size)
			ctx := pause
			for {
				p, st, err := s.Receive(ctx, buf)
				if errors.Is(err, context.Canceled) {
					paused()
					<-hold
					ctx = context.Background()
					continue
				}
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						errs <- err
					}
					results <- mine
					return
				}
				c, seq := int(binary.LittleEndian.Uint32(p)), int(binary.LittleEndian.Uint32(p[4:]))
				if want := pattern(c*perConn+seq, size); len(p) != size || string(p[8:]) != string(want[8:]) {
					err = fmt.Errorf("corrupt message from %d/%d", c, seq)
				} else if prev, ok := last[st]; ok && seq <= prev {
					err = fmt.Errorf("stream %d: message %d after %d", st, seq, prev)
				}
				if err != nil {
					errs <- err
					paused()
					results <- nil
					return
				}
				last[st] = seq
				mine = append(mine, got{c, seq})
				if len(mine)%512 == 0 {
					time.Sleep(time.Millisecond) // fall behind now and then
				}
			}
		})
	}

	var writers, half sync.WaitGroup
	resume := make(chan struct{})
	half.Add(conns)
	for c := range conns {
		nc := dial(t, s)
		writers.Go(func() {
			var batch []byte
			for seq := range perConn {
				p := pattern(c*perConn+seq, size)
				binary.LittleEndian.PutUint32(p, uint32(c))
				binary.LittleEndian.PutUint32(p[4:], uint32(seq))
				batch = append(batch, frame(p)...)
				if len(batch) > 32<<10 || seq == perConn/2-1 || seq == perConn-1 {
					if _, err := nc.Write(batch); err != nil {
						errs <- err
						return
					}
					batch = batch[:0]
				}
				if seq == perConn/2-1 {
					half.Done()
					<-resume
				}
			}
		})
	}
	half.Wait()
	nettest.WaitSum(t, reg, "nanoq_sub_messages_total", "", conns*perConn/2)
	stopReading()
	holding.Wait()
	close(resume)
	writers.Wait()
	nettest.WaitSum(t, reg, "nanoq_sub_messages_total", "", conns*perConn)
	s.Close()
	close(hold)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[got]bool{}
	for range 4 {
		for _, g := range <-results {
			if seen[g] {
				t.Fatalf("message %d/%d received twice", g.stream, g.seq)
			}
			seen[g] = true
		}
	}
	full := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "queue_full")
	closed := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "disconnected")
	if total := len(seen) + int(full) + int(closed); total != conns*perConn {
		t.Fatalf("received %d + queue_full %v + disconnected %v = %d, want %d", len(seen), full, closed, total, conns*perConn)
	}
	if full == 0 || closed == 0 {
		t.Fatal("the queue never overflowed, or Close found it empty: the test did not test what it is for")
	}
	if other := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "") - full - closed; other != 0 {
		t.Fatalf("%v messages lost for other reasons", other)
	}
	t.Logf("received %d, queue_full %v, disconnected at Close %v", len(seen), full, closed)
}

// A nil ctx is taken as context.Background(), and options out of range are
// refused at construction, not met as a panic later.
func TestOddInput(t *testing.T) {
	s := startSub(t, nettest.TCPURL, Options{})
	c := dial(t, s)
	c.Write(frame(pattern(1, 10)))
	p, _, err := s.Receive(nil, make([]byte, 64)) // a nil ctx on purpose
	if err != nil || string(p) != string(pattern(1, 10)) {
		t.Fatalf("Receive(nil ctx) = %q, %v", p, err)
	}
	listened := make(chan error, 1)
	go func() { listened <- s.Listen(nil) }() // a nil ctx on purpose
	s.Close()
	if err := <-listened; !errors.Is(err, ErrClosed) {
		t.Fatalf("Listen(nil ctx) after Close = %v, want ErrClosed", err)
	}
	for _, o := range []Options{
		{MaxPayload: MaxPayloadLimit + 1},
		{QueueBytes: MaxQueueBytes + 1},
		{MaxPayload: int(^uint(0) >> 3)},
	} {
		if _, err := New(nettest.TCPURL, o); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("New(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	s2, err := New(nettest.TCPURL, Options{MaxPayload: MaxPayloadLimit})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}
