package reactor

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var c Clock
	start := time.Now()
	c.Set(start)
	if c.Now() != start.UnixNano() {
		t.Fatalf("Now %d after Set(%d)", c.Now(), start.UnixNano())
	}
	type tick struct {
		now   time.Time
		clock int64 // c.Now() inside the callback: Run may advance it again once the callback returns
	}
	quit, ticks := make(chan struct{}), make(chan tick)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(quit, time.Millisecond, func(now time.Time) { ticks <- tick{now, c.Now()} })
	}()
	for range 3 {
		tk := <-ticks
		if tk.clock != tk.now.UnixNano() || !tk.now.After(start) {
			t.Fatalf("tick at %v: clock %d, started %v", tk.now, tk.clock, start)
		}
	}
	close(quit)
	select { // Run may be handing over a tick when quit closes
	case <-ticks:
	case <-done:
	}
	<-done
}
