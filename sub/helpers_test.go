package sub

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) {
	if runLoadGen() {
		return
	}
	nettest.VerifyTestMain(m)
}

// frame encodes one frame as any nanoQ publisher (the original included) does.
func frame(payload []byte) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(payload))), payload...)
}

// pattern returns n bytes that depend on seed and position.
func pattern(seed, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed*31 + i*7)
	}
	return p
}

// collector is a Handler that records deliveries and signals each one.
type collector struct {
	mu     sync.Mutex
	msgs   map[StreamDescriptor][][]byte
	total  int
	signal chan struct{}
}

func newCollector() *collector {
	return &collector{msgs: map[StreamDescriptor][][]byte{}, signal: make(chan struct{}, 1<<16)}
}

func (c *collector) handle(p []byte, s StreamDescriptor) {
	c.mu.Lock()
	c.msgs[s] = append(c.msgs[s], append([]byte(nil), p...))
	c.total++
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// waitTotal waits until n messages in all were delivered.
func (c *collector) waitTotal(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		got := c.total
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-c.signal:
		case <-deadline:
			t.Fatalf("delivered %d of %d messages", got, n)
		}
	}
}

func (c *collector) snapshot() map[StreamDescriptor][][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[StreamDescriptor][][]byte, len(c.msgs))
	for k, v := range c.msgs {
		out[k] = v
	}
	return out
}

// startSub binds a subscriber and closes it at cleanup.
func startSub(t testing.TB, url string, opts Options) *Subscriber {
	t.Helper()
	s, err := New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t testing.TB, s *Subscriber) net.Conn {
	t.Helper()
	a := s.Addr()
	c, err := net.Dial(a.Network(), a.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitEOF waits until the peer closes c.
func waitEOF(t *testing.T, c net.Conn, within time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(within))
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %v", within)
			}
			return
		}
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var _ = os.Getpid
