package reactor

import (
	"sync/atomic"
	"time"
)

// Clock is the coarse clock that publishers and subscribers read on their hot
// paths instead of calling time.Now: a UnixNano time that Run, their timer
// goroutine, advances once a period. It is behind the real time by about a
// period, more when that goroutine runs late. Safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Now returns the clock's time in UnixNano.
func (c *Clock) Now() int64 { return c.ns.Load() }

// Run advances the clock every period and then calls tick with the time,
// until quit is closed. Run it on a goroutine of its own.
func (c *Clock) Run(quit <-chan struct{}, period time.Duration, tick func(now time.Time)) {
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
