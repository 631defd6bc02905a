package harness

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Ready prints "READY <url>" to stderr: a subscriber has bound url and a
// split run's script may start the publisher against it.
func Ready(url string) { fmt.Fprintf(os.Stderr, "READY %s\n", url) }

// pollEvery is how often WaitQuiet looks at the Recorder.
const pollEvery = 10 * time.Millisecond

// WaitQuiet implements the subscriber's ending rule of a split run: it
// returns once r has received at least one message and then nothing for
// quiet, or, when nothing ever arrives, once max has passed since the call.
// Once traffic has started, max no longer applies.
func WaitQuiet(r *Recorder, quiet, max time.Duration) {
	WaitQuietContext(context.Background(), r, quiet, max)
}

// WaitQuietContext is WaitQuiet that also returns when ctx is done.
func WaitQuietContext(ctx context.Context, r *Recorder, quiet, max time.Duration) {
	start := time.Now()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return
		case now = <-t.C:
		}
		last := r.LastArrival()
		if last.IsZero() {
			if now.Sub(start) >= max {
				return
			}
			continue
		}
		if now.Sub(last) >= quiet {
			return
		}
	}
}
