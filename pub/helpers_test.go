package pub

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
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
type received = nettest.Recorder[sub.StreamDescriptor]

func newReceived() *received { return nettest.NewRecorder[sub.StreamDescriptor](30 * time.Second) }

// startSub binds a subscriber at url whose Handler is r's.
func startSub(t testing.TB, url string, r *received) *sub.Subscriber {
	t.Helper()
	return bindSub(t, url, sub.Options{Handler: r.Handle})
}

// loopback starts a recording subscriber on a loopback port and a
// publisher with opts sending to it.
func loopback(t testing.TB, opts Options) (*received, *Publisher) {
	t.Helper()
	r := newReceived()
	return r, newPub(t, url(startSub(t, nettest.TCPURL, r)), opts)
}

// bindSub binds a subscriber at url and closes it at cleanup.
func bindSub(t testing.TB, url string, opts sub.Options) *sub.Subscriber {
	t.Helper()
	s, err := sub.New(url, opts)
	return nettest.Bind(t, s, err)
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
	return int64(nettest.SumLabel(tb, reg, "nanoq_pub_direct_writes_total", "result", result))
}
