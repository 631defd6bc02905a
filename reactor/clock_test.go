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
	quit, ticks := make(chan struct{}), make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(quit, time.Millisecond, func(now time.Time) { ticks <- now })
	}()
	for range 3 {
		now := <-ticks
		if c.Now() != now.UnixNano() || !now.After(start) {
			t.Fatalf("tick at %v: clock %d, started %v", now, c.Now(), start)
		}
	}
	close(quit)
	select { // Run may be handing over a tick when quit closes
	case <-ticks:
	case <-done:
	}
	<-done
}
