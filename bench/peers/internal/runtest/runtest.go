// Package runtest checks a peer Transport end to end over real loopback
// sockets; each peer's tests call Loopback.
package runtest

import (
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
)

// Loopback binds tr's subscriber at url, dials streams publisher streams,
// sends perStream stamped messages on each, closes them and checks that
// every message arrives intact (messages are tagged with stream and sequence)
// within a few seconds.
func Loopback(t *testing.T, tr run.Transport, url string, streams, perStream int) {
	t.Helper()
	cfg := &harness.Config{Role: harness.RoleBoth, Transport: harness.TransportTCP, Streams: streams,
		SizeMin: 64, SizeMax: 64, Duration: time.Second}
	var (
		mu   sync.Mutex
		seen = map[[2]byte]int{} // (stream, sequence) -> count
		bad  int
		done = make(chan struct{})
		want = streams * perStream
		got  int
	)
	sub, err := tr.Listen(cfg, url, func(p []byte, _ uint32) {
		mu.Lock()
		defer mu.Unlock()
		if len(p) != 64 {
			bad++
			return
		}
		seen[[2]byte{p[8], p[9]}]++
		if got++; got == want {
			close(done)
		}
	})
	if err != nil {
		t.Fatalf("Listen(%s): %v", url, err)
	}
	defer sub.Close()
	ss, err := tr.Dial(cfg, sub.URL())
	if err != nil {
		t.Fatalf("Dial(%s): %v", sub.URL(), err)
	}
	if len(ss) != streams {
		t.Fatalf("Dial gave %d streams, want %d", len(ss), streams)
	}
	p := make([]byte, 64)
	for seq := range perStream {
		for i, s := range ss {
			harness.Stamp(p)
			p[8], p[9] = byte(i), byte(seq)
			if err := s.Send(p); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
	}
	for _, s := range ss {
		if err := s.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		mu.Lock()
		t.Fatalf("received %d of %d messages: %v", got, want, seen)
	}
	for _, s := range ss {
		if err := s.Close(time.Now().Add(time.Second)); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if bad > 0 || len(seen) != want {
		t.Errorf("%d malformed messages, %d distinct of %d", bad, len(seen), want)
	}
}
