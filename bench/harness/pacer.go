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
	steady   bool          // spin until each send is due (NewSteadyPacer)
	interval time.Duration // 0: no pacing
	burst    int           // sends released per clock reading
	next     time.Time     // when the next burst is due
	credit   int           // sends left in the current burst
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
	iv := time.Duration(float64(time.Second) / rate)
	return &Pacer{interval: iv, burst: max(1, int(minSleep/max(iv, 1)))}
}

// NewSteadyPacer returns a Pacer that spaces every send evenly: it waits
// for each in nanosleep(2) on its thread (Linux; elsewhere it spins,
// yielding the processor), not in time.Sleep, which on machines where the
// runtime's timers have millisecond granularity makes a Pacer send in
// bursts.
func NewSteadyPacer(rate float64) *Pacer {
	p := NewPacer(rate)
	p.steady, p.burst = p.interval > 0, 1
	return p
}

// Wait returns when the next send is due. Reading the clock costs tens of
// nanoseconds on some virtual machines, so at high rates it releases sends
// in bursts spanning at most minSleep (the pacing granularity anyway) and
// reads the clock once per burst.
func (p *Pacer) Wait() {
	if p.interval == 0 {
		return
	}
	if p.credit > 0 {
		p.credit--
		return
	}
	now := time.Now()
	if p.next.IsZero() || now.Sub(p.next) > maxLag {
		p.next = now
	}
	switch d := p.next.Sub(now); {
	case p.steady:
		for ; now.Before(p.next); now = time.Now() {
			sleepPrecise(p.next.Sub(now))
		}
	case d >= minSleep:
		time.Sleep(d)
	}
	p.credit = p.burst - 1
	p.next = p.next.Add(time.Duration(p.burst) * p.interval)
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
	if sampled(cfg) && rnd.Uint32()%sampleEvery != 0 {
		clear(buf[:MinSize]) // no latency sample in this one
	} else {
		Stamp(buf)
	}
	return buf
}

// At high or unlimited rates one message in sampleEvery, chosen at random,
// carries a time stamp: reading the clock for every message would cost more
// than nanoQ's own work on this kind of machine. Latency percentiles come
// from that sample; message and byte counts from every message.
const (
	sampleEvery     = 32
	sampleAboveRate = 250_000
)

func sampled(cfg *Config) bool { return cfg.Rate == 0 || cfg.Rate > sampleAboveRate }
