package harness

import (
	"math/rand/v2"
	"time"
)

// Pacer spaces one goroutine's sends to a fixed rate. It keeps an absolute
// schedule (start + i/rate), so a late wake-up is made up by the following
// sends instead of lowering the rate; after a stall of more than maxLag it
// forgets the missed sends rather than bursting them all.
//
// A total rate R spread over G publishing goroutines is paced by giving each
// goroutine its own Pacer with its share: R/G when the goroutines carry
// equal load, or R × (streams it owns / all streams) when they own unequal
// numbers of streams, so that every stream gets the same rate.
//
// Not safe for concurrent use: one Pacer per goroutine.
type Pacer struct {
	interval time.Duration // 0: no pacing
	next     time.Time     // when the next send is due
}

// Pacing tolerances: sleeps shorter than minSleep are skipped (the schedule
// absorbs the difference), lags longer than maxLag are forgotten.
const (
	minSleep = 50 * time.Microsecond
	maxLag   = 100 * time.Millisecond
)

// NewPacer returns a Pacer for rate sends per second; rate <= 0 never waits.
func NewPacer(rate float64) *Pacer {
	if rate <= 0 {
		return &Pacer{}
	}
	return &Pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// Wait returns when the next send is due.
func (p *Pacer) Wait() {
	if p.interval == 0 {
		return
	}
	now := time.Now()
	if p.next.IsZero() || now.Sub(p.next) > maxLag {
		p.next = now
	}
	if d := p.next.Sub(now); d >= minSleep {
		time.Sleep(d)
	}
	p.next = p.next.Add(p.interval)
}

// Payload returns a stamped payload of cfg's size (uniform random in
// [SizeMin, SizeMax]) in buf, which it grows when too short. Only the stamp
// is written; the rest of buf keeps its contents.
func Payload(cfg *Config, rnd *rand.Rand, buf []byte) []byte {
	n := max(cfg.SizeMin, MinSize)
	if cfg.SizeMax > n {
		n += rnd.IntN(cfg.SizeMax - n + 1)
	}
	if cap(buf) < n {
		buf = make([]byte, n, max(n, cfg.SizeMax))
	}
	buf = buf[:n]
	Stamp(buf)
	return buf
}
