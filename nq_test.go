package nq_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nanoq/nq"
	"github.com/nanoq/nq/internal/nettest"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }

// The seed README's quick start, with a loopback port-0 address instead of
// :1234, a bounded loop and a context to stop: 100 keys give 100 streams.
func TestSeedQuickStart(t *testing.T) {
	opts := nq.SubOpts{
		KeepaliveTimeout: 5 * time.Second,
		Printf:           t.Logf,
	}
	sub := nq.NewSub("tcp4://127.0.0.1:0", opts, nq.NewDefaultMetrics()).(*nq.Subscriber) // for Bind: a port-0 address
	if err := sub.Bind(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	listened := make(chan error, 1)
	go func() { listened <- sub.Listen(ctx) }()

	popts := nq.PubOpts{
		KeepaliveTimeout: 5 * time.Second,
		ConnectTimeout:   3 * time.Second,
		WriteTimeout:     3 * time.Second,
		FlushFrequency:   100 * time.Millisecond,
		NoDelay:          true,
		Printf:           t.Logf,
	}
	pub := nq.NewPub("tcp4://"+sub.Addr().String(), popts, nq.NewDefaultMetrics())
	for round := range 3 {
		for i := 1; i <= 100; i++ {
			if err := pub.Publish(context.TODO(), []byte("Hello nanoQ"), i); err != nil {
				t.Fatalf("round %d key %d: %v", round, i, err)
			}
		}
	}
	streams := map[nq.StreamDescriptor]int{}
	buf := make([]byte, 4096)
	for range 300 {
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		msg, stream, err := sub.Receive(rctx, buf)
		rcancel()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(msg, []byte("Hello nanoQ")) {
			t.Fatalf("message %q", msg)
		}
		streams[stream]++
	}
	if len(streams) != 100 {
		t.Fatalf("%d streams, want 100", len(streams))
	}
	for d, n := range streams {
		if n != 3 {
			t.Fatalf("stream %d carried %d messages, want 3", d, n)
		}
	}
	if err := pub.(*nq.Publisher).Close(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-listened; !errors.Is(err, context.Canceled) {
		t.Fatalf("Listen returned %v", err)
	}
}

func TestMetricsRegistration(t *testing.T) {
	if nq.NewDefaultMetrics() != nq.NewDefaultMetrics() {
		t.Fatal("NewDefaultMetrics returned different instances")
	}
	reg := prometheus.NewRegistry()
	nq.NewMetrics(reg)
	nq.NewMetrics(reg) // no duplicate-registration panic
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ url, network, addr string }{
		{"tcp4://localhost:1234", "tcp4", "localhost:1234"},
		{"tcp://:1234", "tcp", ":1234"},
		{"tcp6://[::1]:9", "tcp6", "[::1]:9"},
		{"unix:///var/run/sockety.sock", "unix", "/var/run/sockety.sock"},
	} {
		a, err := nq.ParseURL(tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if a.Network() != tc.network || a.String() != tc.addr {
			t.Fatalf("%s: %s %s", tc.url, a.Network(), a.String())
		}
	}
	if _, err := nq.ParseURL("http://x"); err == nil {
		t.Fatal("http URL accepted")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("NewPub did not panic on a malformed URL")
		}
	}()
	nq.NewPub("::", nq.PubOpts{}, nil)
}

// The seed's interfaces keep their method sets: a user's mocks of them
// compile.
type seedPub struct{}

func (seedPub) Publish(context.Context, []byte, interface{}) error { return nil }

type seedSub struct{}

func (seedSub) Listen(context.Context) error { return nil }
func (seedSub) Receive(context.Context, []byte) ([]byte, nq.StreamDescriptor, error) {
	return nil, 0, nil
}

var (
	_ nq.Pub = seedPub{}
	_ nq.Sub = seedSub{}
	_ nq.Pub = (*nq.Publisher)(nil)
	_ nq.Sub = (*nq.Subscriber)(nil)
)

// TestSeedVariables: nq.MaxPayload and nq.MaxBuffer are the defaults the
// constructors use when the options leave them zero, as in the seed.
func TestSeedVariables(t *testing.T) {
	if nq.MaxPayload != 10<<20 || nq.MaxBuffer != 10*nq.MaxPayload {
		t.Fatalf("MaxPayload %d, MaxBuffer %d: want the seed's 10 MiB and 10 × that", nq.MaxPayload, nq.MaxBuffer)
	}
	defer func(p, b int) { nq.MaxPayload, nq.MaxBuffer = p, b }(nq.MaxPayload, nq.MaxBuffer)
	nq.MaxPayload, nq.MaxBuffer = 64, 1024
	p := nq.NewPub("tcp4://127.0.0.1:1", nq.PubOpts{}, nil).(*nq.Publisher) // nobody listens: it buffers
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		p.Shutdown(ctx)
	}()
	if err := p.Publish(context.Background(), make([]byte, 65), 1); !errors.Is(err, nq.ErrTooBig) {
		t.Fatalf("a 65-byte payload with nq.MaxPayload 64: %v, want ErrTooBig", err)
	}
	if err := p.Publish(context.Background(), make([]byte, 64), 1); err != nil {
		t.Fatalf("a 64-byte payload: %v", err)
	}
	// MaxBuffer 1024: the stream keeps at most that much while nothing
	// listens (the oldest go).
	h := p.Stream(2)
	for range 100 {
		h.Publish(make([]byte, 60))
	}
	if b := h.Buffered(); b > 1024 || b == 0 {
		t.Fatalf("buffered %d with nq.MaxBuffer 1024", b)
	}
}
