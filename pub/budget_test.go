package pub

import (
	"bufio"
	"encoding/binary"
	"runtime"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// awayURL returns a unix socket address nobody listens on: every dial
// fails at once, and the streams buffer as during a subscriber outage.
func awayURL(t *testing.T) string { return "unix://" + nettest.UnixPath(t) }

// ringBytes sums the buffer sizes of p's streams.
func ringBytes(p *Publisher) (n int64) {
	p.streams.each(func(s *stream) bool {
		n += int64(s.ring.Cap())
		return true
	})
	return n
}

// TestBudgetManyStreamsAway: with default options, 10,000 streams flooding
// a subscriber that is away hold the publisher's memory to MaxBufferTotal
// (64 MiB), not 100 MiB each; the oldest messages go, counted overflow.
// Before the budget, the same flood grew the heap past 800 MiB.
func TestBudgetManyStreamsAway(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes 1 GiB")
	}
	m, reg := nettest.NewMetrics(t)
	p := newPub(t, awayURL(t), Options{Metrics: m})
	const streams = 10000
	perStream := 100 // 1 GiB
	if raceEnabled {
		perStream = 10 // 100 MiB: still above the budget, in a few seconds
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	payload := make([]byte, 1<<10)
	peak := uint64(0)
	for i := range perStream {
		for k := range streams {
			if err := p.Publish(bg, payload, k); err != nil {
				t.Fatal(err)
			}
		}
		if i%10 == 9 {
			runtime.ReadMemStats(&m1)
			peak = max(peak, m1.HeapAlloc-m0.HeapAlloc)
		}
	}
	used, rings := p.budget.Rings(), ringBytes(p)
	t.Logf("budget used %d MiB, rings %d MiB, heap growth at most %d MiB", used>>20, rings>>20, peak>>20)
	if limit := int64(DefaultMaxBufferTotal); used != rings || used > limit+streams*512 {
		t.Fatalf("budget used %d, rings hold %d, limit %d", used, rings, limit)
	}
	if !raceEnabled && peak > 512<<20 {
		t.Fatalf("heap grew by %d MiB, want under 512 MiB", peak>>20)
	}
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "overflow")
	buffered := 0
	p.streams.each(func(s *stream) bool {
		buffered += s.ring.Len()
		return true
	})
	if want := streams*perStream - buffered/(1<<10+2); int(lost) != want { // every message is 1,026 B encoded
		t.Fatalf("overflow %v, want %d published - %d buffered", lost, streams*perStream, buffered/(1<<10+2))
	}
}

// TestBudgetBusyStream: alone, one stream still buffers two MaxPayload
// messages with the defaults while its subscriber is away.
func TestBudgetBusyStream(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	p := newPub(t, awayURL(t), Options{Metrics: m})
	h := p.Stream("busy")
	big := make([]byte, DefaultMaxPayload)
	for range 2 {
		if err := h.Publish(big); err != nil {
			t.Fatal(err)
		}
	}
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("lost %v of 2 MaxPayload messages", lost)
	}
	if n := h.Buffered(); n < 2*DefaultMaxPayload {
		t.Fatalf("buffered %d, want two MaxPayload messages", n)
	}
}

// TestBudgetStalledStreamDoesNotStarve: a connected stream whose reader
// never reads holds the whole budget; another stream of the publisher
// still delivers every message, in order, while the stalled one keeps
// publishing and loses its oldest (overflow). What the reactor holds for
// the stalled connection counts against the budget too.
func TestBudgetStalledStreamDoesNotStarve(t *testing.T) {
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	m, reg := nettest.NewMetrics(t)
	const total = 1 << 20
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{MaxPayload: 4 << 10, MaxBuffer: 64 << 20, MaxBufferTotal: total, Metrics: m, Printf: t.Logf})
	stalled, live := p.Stream("stalled"), p.Stream("live")
	payload := make([]byte, 1<<10)
	if err := stalled.Publish(payload); err != nil {
		t.Fatal(err)
	}
	accept(t, conns) // never read
	junk := make([]byte, 1<<10)
	for i := range junk {
		junk[i] = 0xff
	}
	// Until the kernel's buffers are full (the reactor holds output) and
	// the ring overflows.
	for stalled.s.Load().reactorHeld.Load() == 0 || nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "overflow") == 0 {
		for range 1000 {
			stalled.Publish(junk)
		}
		runtime.Gosched()
	}
	if err := live.Publish(stamp(payload, 0)); err != nil {
		t.Fatal(err)
	}
	c := accept(t, conns)
	c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a lost message would block the read
	r := bufio.NewReader(c)
	const bursts, perBurst = 200, 16
	want, last := uint64(0), uint64(0)
	for b := range bursts {
		if b > 0 {
			for range perBurst {
				last++
				if err := live.Publish(stamp(payload, last)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for range 1000 { // the stalled stream keeps trying to grow back
			stalled.Publish(junk)
		}
		for want <= last {
			f, err := readFrame(r)
			if err != nil {
				t.Fatalf("burst %d, waiting for message %d: %v", b, want, err)
			}
			if got := binary.LittleEndian.Uint64(f); got != want {
				t.Fatalf("burst %d: message %d, want %d", b, got, want)
			}
			want++
		}
	}
	// Rings within the limit; the reactor holds at most one batch more.
	if rings, used := p.budget.Rings(), p.budget.Used(); rings > total+2*512 || used > total+maxBatch {
		t.Fatalf("rings hold %d, reactor and rings %d, limit %d", rings, used, total)
	}
}

// stamp stamps seq into p's first 8 bytes.
func stamp(p []byte, seq uint64) []byte {
	binary.LittleEndian.PutUint64(p, seq)
	return p
}

// TestBudgetShared: publishers on the shared reactor count against one
// process-wide budget too, raised to the largest MaxBufferTotal among
// them; a publisher with its own loops has its own budget only.
func TestBudgetShared(t *testing.T) {
	a := newPub(t, awayURL(t), Options{})
	b := newPub(t, awayURL(t), Options{MaxBufferTotal: 512 << 20})
	own := newPub(t, awayURL(t), Options{EventLoops: 1})
	if a.budget.Parent() == nil || a.budget.Parent() != b.budget.Parent() || own.budget.Parent() != nil {
		t.Fatalf("parents: %p %p %p", a.budget.Parent(), b.budget.Parent(), own.budget.Parent())
	}
	if got := a.budget.Parent().Limit(); got != 512<<20 {
		t.Fatalf("shared limit %d, want the larger MaxBufferTotal, 512 MiB", got)
	}
	h := a.Stream("x")
	h.Publish(make([]byte, 1000))
	if a.budget.Parent().Rings() < 1024 {
		t.Fatalf("the shared budget holds %d B after a Publish", a.budget.Parent().Rings())
	}
}
