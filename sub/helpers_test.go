package sub

import (
	"context"
	"encoding/binary"
	"net"
	"os"
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
type collector = nettest.Recorder[StreamDescriptor]

func newCollector() *collector { return nettest.NewRecorder[StreamDescriptor](20 * time.Second) }

// startSub binds a subscriber and closes it at cleanup.
func startSub(t testing.TB, url string, opts Options) *Subscriber {
	t.Helper()
	s, err := New(url, opts)
	return nettest.Bind(t, s, err)
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
