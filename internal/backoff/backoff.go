package backoff

import (
	"cmp"
	"math"
	"math/rand/v2"
	"time"
)

// Defaults for a zero (or negative) Min and Max.
const (
	defaultMin = 50 * time.Millisecond
	defaultMax = 5 * time.Second
)

// Backoff yields jittered, exponentially growing delays. Not safe for concurrent use.
// The zero value is ready to use: 50 ms growing to 5 s.
type Backoff struct {
	Min time.Duration // first ceiling; 0 (or less) means 50 ms
	Max time.Duration // cap on every delay; 0 (or less) means 5 s

	attempt int // Next calls since the last Reset, saturating at math.MaxInt
}

// Next returns a random delay in [d/2, d], where d = min(Max, Min<<attempt),
// and counts one attempt; it never overflows, however often it is called.
func (b *Backoff) Next() time.Duration {
	d := b.ceiling()
	if b.attempt < math.MaxInt {
		b.attempt++
	}
	half := d / 2
	return half + rand.N(d-half+1) // d-half ≥ 1 since d ≥ 1
}

// ceiling returns min(Max, Min<<attempt) with defaults applied, at least 1.
func (b *Backoff) ceiling() time.Duration {
	lo, hi := cmp.Or(max(b.Min, 0), defaultMin), cmp.Or(max(b.Max, 0), defaultMax)
	// lo<<attempt > hi without overflowing: shift hi right instead.
	if b.attempt >= 63 || lo > hi>>b.attempt {
		return hi
	}
	return lo << b.attempt
}

// Reset starts a new series: the next delay is at most Min again.
func (b *Backoff) Reset() { b.attempt = 0 }

// Small is a Backoff with the default Min and Max in one byte, for values
// kept per connection (a Backoff is 24 B). Its attempt count saturates at
// 255, long after the delays reached Max.
type Small struct{ attempt uint8 }

// Next is Backoff.Next with the defaults.
func (b *Small) Next() time.Duration {
	full := Backoff{attempt: int(b.attempt)}
	if b.attempt < math.MaxUint8 {
		b.attempt++
	}
	return full.Next()
}

// Reset starts a new series: the next delay is at most 50 ms again.
func (b *Small) Reset() { b.attempt = 0 }
