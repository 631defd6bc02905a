package nettest

import (
	"maps"
	"sync"
	"testing"
	"time"
)

// Recorder is a subscriber Handler for tests: it keeps a copy of every
// payload per stream (K is the subscriber's StreamDescriptor) and wakes
// Wait on each one.
type Recorder[K comparable] struct {
	within time.Duration
	mu     sync.Mutex
	msgs   map[K][][]byte
	total  int
	signal chan struct{}
}

// NewRecorder returns an empty Recorder whose Wait fails the test after within.
func NewRecorder[K comparable](within time.Duration) *Recorder[K] {
	return &Recorder[K]{within: within, msgs: map[K][][]byte{}, signal: make(chan struct{}, 1)}
}

// Handle records a copy of p on stream s: pass it as the Handler.
func (r *Recorder[K]) Handle(p []byte, s K) {
	r.mu.Lock()
	r.msgs[s] = append(r.msgs[s], append([]byte(nil), p...))
	r.total++
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// Count returns how many messages were recorded in all.
func (r *Recorder[K]) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Wait waits until n messages in all were recorded.
func (r *Recorder[K]) Wait(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(r.within)
	for r.Count() < n {
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("received %d of %d messages in %v", r.Count(), n, r.within)
		}
	}
}

// Snapshot returns the payloads recorded so far, per stream.
func (r *Recorder[K]) Snapshot() map[K][][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.msgs)
}
