package pub

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// TestCloseCountsExactly: a subscriber that reads slowly; the publisher
// shuts down mid-stream with output in the kernel, in the reactor's
// buffer and in the ring. What arrives is messages 0..R-1 without a gap,
// and R + counted lost == published: no message counted lost is ever
// received, through the reactor's close path included. (gnet writes what
// its buffer holds after OnClose, where those frames were counted lost:
// the reactor now shuts the socket's sending side first. Before, up to
// hundreds of "lost" messages arrived per run.)
func TestCloseCountsExactly(t *testing.T) {
	for trial := range 4 {
		ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
		m, reg := nettest.NewMetrics(t)
		p := newPub(t, "tcp4://"+ln.Addr().String(), Options{
			MaxPayload: 1 << 10, MaxBuffer: 64 << 20, MaxBufferTotal: 256 << 20, Metrics: m,
		})
		h := p.Stream(1)
		payload := make([]byte, 200)
		const n = 100000 // 20 MB: more than the kernel's buffers take
		if err := h.Publish(stamp(payload, 0)); err != nil {
			t.Fatal(err)
		}
		c := accept(t, conns)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var read atomic.Int64
		result := make(chan error, 1)
		go func() {
			r := bufio.NewReaderSize(c, 4<<10)
			for want := uint64(0); ; want++ {
				f, err := readFrame(r)
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					result <- nil // a frame cut at the close is not received (a subscriber counts it truncated)
					return
				}
				if err != nil {
					result <- err
					return
				}
				if got := binary.LittleEndian.Uint64(f); got != want {
					result <- errors.New("a gap or reordering in the stream")
					return
				}
				if read.Add(1)%256 == 0 {
					time.Sleep(200 * time.Microsecond) // a slow subscriber: about 250 MB/s at most
				}
			}
		}()
		for seq := uint64(1); seq < n; seq++ {
			if err := h.Publish(stamp(payload, seq)); err != nil {
				t.Fatal(err)
			}
		}
		for read.Load() < n/10 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no drain: close now
		err := p.Shutdown(ctx)
		if rerr := <-result; rerr != nil {
			t.Fatalf("trial %d: after %d messages: %v", trial, read.Load(), rerr)
		}
		lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
		if overflow := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "overflow"); overflow != 0 {
			t.Fatalf("trial %d: %v overflow: the test wants every loss at the close", trial, overflow)
		}
		got := read.Load()
		t.Logf("trial %d: received %d, counted lost %v, of %d; Shutdown: %v", trial, got, lost, n, err)
		if got+int64(lost) != n {
			t.Fatalf("trial %d: received %d + counted lost %v = %v, want %d published", trial, got, lost, float64(got)+lost, n)
		}
		if lost == 0 || !errors.Is(err, ErrUnsent) {
			t.Fatalf("trial %d: nothing lost at the close (%v): the test did not close mid-stream", trial, err)
		}
	}
}
