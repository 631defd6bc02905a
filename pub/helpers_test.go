package pub

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMain(m *testing.M) {
	if runFaultSub() {
		return
	}
	nettest.VerifyTestMain(m)
}

// received records what a subscriber's Handler got, per stream.
type received struct {
	mu     sync.Mutex
	msgs   map[sub.StreamDescriptor][][]byte
	total  int
	signal chan struct{}
}

func newReceived() *received {
	return &received{msgs: map[sub.StreamDescriptor][][]byte{}, signal: make(chan struct{}, 1)}
}

func (r *received) handle(p []byte, s sub.StreamDescriptor) {
	r.mu.Lock()
	r.msgs[s] = append(r.msgs[s], append([]byte(nil), p...))
	r.total++
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

func (r *received) wait(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for r.count() < n {
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("received %d of %d messages", r.count(), n)
		}
	}
}

func (r *received) snapshot() map[sub.StreamDescriptor][][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[sub.StreamDescriptor][][]byte, len(r.msgs))
	for k, v := range r.msgs {
		out[k] = v
	}
	return out
}

// startSub binds a handler subscriber at url.
func startSub(t testing.TB, url string, r *received) *sub.Subscriber {
	t.Helper()
	s, err := sub.New(url, sub.Options{Handler: r.handle})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func url(s *sub.Subscriber) string {
	return s.Addr().Network() + "://" + s.Addr().String()
}

func newPub(t testing.TB, url string, opts Options) *Publisher {
	t.Helper()
	p, err := New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownSoon(p) })
	return p
}

// shutdownSoon shuts p down, waiting at most 200 ms for what it buffered:
// tests that check the drain call Shutdown or Close themselves.
func shutdownSoon(p interface{ Shutdown(context.Context) error }) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = p.Shutdown(ctx)
}

// rawListener accepts connections and hands each to the test.
func rawListener(t testing.TB, network, address string) (net.Listener, chan net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return ln, conns
}

func accept(t testing.TB, conns chan net.Conn) net.Conn {
	t.Helper()
	select {
	case c := <-conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
		return nil
	}
}

// readFrame reads one uvarint-prefixed frame, as the original nanoQ does.
func readFrame(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	_, err = io.ReadFull(r, p)
	return p, err
}

var bg = context.Background()

// directWrites returns the writes Publish made itself, counted in reg
// (nanoq_pub_direct_writes_total), with the given result, or all of them
// for "".
func directWrites(tb testing.TB, reg *prometheus.Registry, result string) int64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "nanoq_pub_direct_writes_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && (result == "" || l.GetValue() == result) {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return int64(n)
}
