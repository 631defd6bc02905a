package pub

import (
	"testing"
	"time"
)

// setStallAfter moves the dialer's stall threshold for one test.
func setStallAfter(t *testing.T, d time.Duration) {
	old := stallAfter
	stallAfter = d
	t.Cleanup(func() { stallAfter = old })
}

// TestFirstDialsStayAtBusyWorkers: a burst of first dials that complete
// takes at most busyDialWorkers workers, also when it comes long after the
// dialer last had nothing to do (a stale "last progress" once read as a
// stall and started all maxDialWorkers).
func TestFirstDialsStayAtBusyWorkers(t *testing.T) {
	setStallAfter(t, 250*time.Millisecond)
	r, p := loopback(t, Options{})
	time.Sleep(3 * stallAfter) // a new publisher's dialer idles well past stallAfter
	const streams = 400
	for i := range streams {
		p.Publish(bg, []byte("x"), i)
	}
	r.Wait(t, streams)
	if n := p.dialer.peak.Load(); n > busyDialWorkers {
		t.Fatalf("%d dial workers for %d first dials that completed, want at most %d", n, streams, busyDialWorkers)
	}
}
