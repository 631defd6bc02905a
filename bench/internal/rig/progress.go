package rig

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// sample is one progress reading: cumulative messages and bytes (received,
// or published/written for a publisher alone), the losses counted so far,
// and, when one process sees both sides, the messages in flight: published
// but neither received nor counted lost yet (buffered, on the wire, or
// being read). In flight is not loss; what a run loses ends up counted.
type sample struct {
	msgs, bytes int64
	inFlight    int64 // -1: unknown (one side only)
	lost        map[string]int64
}

// startProgress prints a line to w every second from read until stop is
// called; stop waits for the printing goroutine and may be called twice.
// A nil w prints nothing.
func startProgress(w io.Writer, read func() sample) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start, lastT, last := time.Now(), time.Now(), read()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				cur := read()
				dt := now.Sub(lastT).Seconds()
				fmt.Fprintf(w, "[%4.0fs] %10.0f msgs/s %9.2f MB/s  %slost %s\n",
					now.Sub(start).Seconds(), float64(cur.msgs-last.msgs)/dt, float64(cur.bytes-last.bytes)/dt/1e6,
					formatInFlight(cur.inFlight), formatLost(cur.lost))
				last, lastT = cur, now
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// formatInFlight renders n as "in flight n  ", or nothing when unknown.
func formatInFlight(n int64) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprintf("in flight %d  ", n)
}

// formatLost renders losses as "reason=n ..." or "0".
func formatLost(m map[string]int64) string {
	if len(m) == 0 {
		return "0"
	}
	s := ""
	for _, r := range []string{"overflow", "disconnected", "too_big", "short_buffer", "queue_full", "malformed", "truncated"} {
		if n := m[r]; n > 0 {
			s += fmt.Sprintf("%s=%d ", r, n)
		}
	}
	if s == "" {
		return "0"
	}
	return s[:len(s)-1]
}
