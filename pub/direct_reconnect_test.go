package pub

import (
	"bufio"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// TestDirectWriteReconnects: a subscriber that resets its connections now
// and then while a publisher alternates pauses (direct writes) and bursts.
// Every frame received must be intact, none twice, each connection's in
// publish order; and the publisher must account for every message as sent
// or lost.
func TestDirectWriteReconnects(t *testing.T) {
	const total = 20000
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	var (
		mu      sync.Mutex
		seen    = map[uint64]bool{}
		resets  atomic.Int64
		readers sync.WaitGroup
		bad     atomic.Value
	)
	done, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(7, 8))
		for {
			var c net.Conn
			select {
			case c = <-conns:
			case <-stop:
				return
			}
			limit := 50 + rng.IntN(2000) // frames to read before resetting
			readers.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				last := int64(-1)
				for i := 0; ; i++ {
					f, err := readFrame(br)
					if err != nil {
						return
					}
					_, seq, ok := checkSeqPayload(f)
					mu.Lock()
					switch {
					case !ok:
						bad.Store("corrupt frame")
					case int64(seq) <= last:
						bad.Store("out of order on one connection")
					case seen[seq]:
						bad.Store("received twice")
					}
					seen[seq] = true
					mu.Unlock()
					last = int64(seq)
					if i == limit {
						c.(*net.TCPConn).SetLinger(0) // close with RST
						resets.Add(1)
						return
					}
				}
			})
		}
	}()
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{Metrics: m, NoDelay: true, MaxBuffer: 1 << 20, MaxPayload: 4 << 10})
	h := p.Stream("k")
	rng := rand.New(rand.NewPCG(9, 10))
	buf := make([]byte, 4<<10)
	published := 0
	// Until total, and then until a direct write has happened (a busy
	// machine may have kept the loop from ever looking idle), for at most
	// 2,000 more messages a millisecond apart.
	for ; published < total || directWrites(t, reg, "") == 0 && published < total+2000; published++ {
		if err := h.Publish(seqPayload(buf[:13+rng.IntN(300)], 1, uint64(published), rng)); err != nil {
			t.Fatal(err)
		}
		switch {
		case published >= total:
			time.Sleep(time.Millisecond)
		case published%20 == 0:
			time.Sleep(100 * time.Microsecond) // idle: direct writes
		}
	}
	if err := p.Close(); err != nil {
		t.Log("Close:", err) // a drain cut short by a reset is counted lost
	}
	ln.Close()
	close(stop)
	<-done // no reader starts after this: Wait must not race with Go
	readers.Wait()
	if b := bad.Load(); b != nil {
		t.Fatal(b)
	}
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	mu.Lock()
	got := len(seen)
	mu.Unlock()
	t.Logf("published %d, sent %v, lost %v, received %d, resets %d, direct writes %d", published, sent, lost, got, resets.Load(), directWrites(t, reg, ""))
	if int(sent+lost) != published {
		t.Fatalf("sent %v + lost %v != published %d", sent, lost, published)
	}
	if float64(got) > sent {
		t.Fatalf("received %d > sent %v", got, sent)
	}
	if resets.Load() == 0 || directWrites(t, reg, "") == 0 {
		t.Fatal("no reset or no direct write: the test did not exercise them")
	}
}
