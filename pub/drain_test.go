package pub

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

// seqBook records (key, seq) deliveries from several subscribers, checking
// order per connection and duplicates over all.
type seqBook struct {
	mu    sync.Mutex
	seen  map[[2]uint32]bool
	last  map[sub.StreamDescriptor]uint32
	dups  int
	order int
	n     atomic.Int64
}

func newSeqBook() *seqBook {
	return &seqBook{seen: map[[2]uint32]bool{}, last: map[sub.StreamDescriptor]uint32{}}
}

// waitFor waits until the book holds n messages or more.
func (b *seqBook) waitFor(n int64) {
	for b.n.Load() < n {
		time.Sleep(time.Millisecond)
	}
}

// settle shuts p down, once its publishing goroutine has stopped, and waits
// until every one of published messages has arrived (10 s at most).
func (b *seqBook) settle(t *testing.T, p *Publisher, published int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); b.n.Load() < published && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// checkExact fails unless the book received every one of published
// messages once, in order per connection, and nothing was counted lost.
func (b *seqBook) checkExact(t *testing.T, published int64, lost float64) {
	t.Helper()
	if b.dups != 0 || b.order != 0 {
		t.Fatalf("%d delivered twice, %d out of order on their connection", b.dups, b.order)
	}
	if got := b.n.Load(); got != published || lost != 0 {
		t.Fatalf("delivered %d of %d published, %v counted lost: the hand-over lost messages", got, published, lost)
	}
}

// handler returns a Handler for one subscriber (descriptors are per
// subscriber: tag keeps them apart).
func (b *seqBook) handler(tag uint32) sub.Handler {
	return func(p []byte, sd sub.StreamDescriptor) {
		key, seq := binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:])
		d := sd | sub.StreamDescriptor(tag)<<24
		b.mu.Lock()
		if b.seen[[2]uint32{key, seq}] {
			b.dups++
		}
		b.seen[[2]uint32{key, seq}] = true
		if last, ok := b.last[d]; ok && seq <= last {
			b.order++
		}
		b.last[d] = seq
		b.mu.Unlock()
		b.n.Add(1)
	}
}

// TestDrainHandsOver: a subscriber drains while 100 paced streams publish;
// its successor binds the same address as soon as the drain stopped
// accepting. Every publisher connection hands over (FIN, redial, the old
// one finished): published == delivered by the two, exactly, none twice,
// order per connection, nothing counted lost.
func TestDrainHandsOver(t *testing.T) {
	book := newSeqBook()
	m, reg := nettest.NewMetrics(t)
	a := bindSub(t, nettest.TCPURL, sub.Options{Handler: book.handler(1), Metrics: m})
	addr := a.Addr().String()
	pm, preg := nettest.NewMetrics(t)
	p := newPub(t, "tcp4://"+addr, Options{Metrics: pm})
	const streams = 100
	publish := func(b []byte, k uint32) error { return p.Publish(bg, b, k) }
	pace := nettest.Pace(publish, streams, 64, 2*time.Millisecond) // about 50 k msgs/s over 100 streams
	book.waitFor(20000)
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- a.Drain(ctx)
	}()
	bindSuccessor(t, addr, sub.Options{Handler: book.handler(2)}) // once the drain stopped accepting
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	atB := book.n.Load()
	book.waitFor(atB + 20000)
	pace.Stop()
	published := pace.Published()
	book.settle(t, p, published)
	lost := nettest.Sum(t, preg, "nanoq_pub_lost_messages_total", "")
	handed := nettest.Sum(t, preg, "nanoq_pub_handovers_total", "")
	drains := nettest.Sum(t, reg, "nanoq_sub_drained_total", "")
	t.Logf("published %d, delivered %d (%d after the drain), lost %v; hand-overs %v, connections drained %v",
		published, book.n.Load(), book.n.Load()-atB, lost, handed, drains)
	book.checkExact(t, published, lost)
	if handed != streams || drains != streams {
		t.Fatalf("hand-overs %v, drained connections %v: want %d each", handed, drains, streams)
	}
}

// TestMaxConnectionAge: with MaxConnectionAge 300 ms the subscriber
// rotates every connection a few times during 1.5 s of paced traffic;
// each rotation is a hand-over, and nothing is lost or duplicated.
func TestMaxConnectionAge(t *testing.T) {
	book := newSeqBook()
	m, reg := nettest.NewMetrics(t)
	s := bindSub(t, nettest.TCPURL, sub.Options{Handler: book.handler(1), Metrics: m, MaxConnectionAge: 300 * time.Millisecond})
	pm, preg := nettest.NewMetrics(t)
	p := newPub(t, "tcp4://"+s.Addr().String(), Options{Metrics: pm})
	const streams = 20
	publish := func(b []byte, k uint32) error { return p.Publish(bg, b, k) }
	published := 0
	buf := make([]byte, 64)
	for seq := range uint32(750) { // 1.5 s
		published += nettest.PublishRound(publish, buf, streams, seq)
		time.Sleep(2 * time.Millisecond)
	}
	book.settle(t, p, int64(published))
	rotated := nettest.Sum(t, reg, "nanoq_sub_rotated_total", "")
	handed := nettest.Sum(t, preg, "nanoq_pub_handovers_total", "")
	lost := nettest.Sum(t, preg, "nanoq_pub_lost_messages_total", "")
	t.Logf("published %d, delivered %d, lost %v; rotated %v, hand-overs %v", published, book.n.Load(), lost, rotated, handed)
	book.checkExact(t, int64(published), lost)
	if rotated < 2*streams || handed < 2*streams {
		t.Fatalf("rotated %v, hand-overs %v: want each connection rotated at least twice", rotated, handed)
	}
}
