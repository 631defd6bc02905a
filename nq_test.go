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
	sub := nq.NewSub("tcp4://127.0.0.1:0", opts, nq.NewDefaultMetrics())
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
	if err := pub.Close(); err != nil {
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
