// Package clock is the coarse clock that publishers and subscribers read on
// their hot paths instead of calling time.Now, and the timer goroutine that
// advances it.
package clock

import (
	"sync/atomic"
	"time"
)

// Coarse holds a UnixNano time that Run advances once a period. It is
// behind the real time by a period at most. Safe for concurrent use.
type Coarse struct{ ns atomic.Int64 }

// Set sets the clock to t.
func (c *Coarse) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Now returns the clock's time in UnixNano.
func (c *Coarse) Now() int64 { return c.ns.Load() }

// Run advances the clock every period and then calls tick with the time,
// until quit is closed. Run it on a goroutine of its own.
func (c *Coarse) Run(quit <-chan struct{}, period time.Duration, tick func(now time.Time)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case now := <-t.C:
			c.Set(now)
			tick(now)
		}
	}
}
