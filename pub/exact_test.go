package pub

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
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
		allPublished := make(chan struct{})
		go func() {
			<-allPublished // the sockets' buffers fill meanwhile: the close comes mid-stream
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
		close(allPublished)
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

// TestSubCloseUnderFlood: a subscriber closes while a publisher floods it.
// What its kernel had received and nobody read is counted lost by the
// subscriber (disconnected); what the publisher's kernel took and the
// subscriber never acknowledged is reported as unacked bytes. Together
// with the publisher's counted losses they account for every message: the
// uncounted ones are within the unacked bound, give or take the few that
// arrive between the subscriber's last read and its close. Before, the
// publisher counted frames gnet finished writing after a partial write as
// lost too (received and counted lost), and the subscriber's unread kernel
// bytes vanished uncounted (18,053 messages in the run).
func TestSubCloseUnderFlood(t *testing.T) {
	const size = 100 // 101 B on the wire
	mp, regP := nettest.NewMetrics(t)
	ms, regS := nettest.NewMetrics(t)
	var received atomic.Int64
	var disorder atomic.Bool
	last := int64(-1)
	s, err := sub.New(nettest.TCPURL, sub.Options{Metrics: ms, Handler: func(p []byte, _ sub.StreamDescriptor) {
		seq := int64(binary.LittleEndian.Uint64(p))
		if seq <= last {
			disorder.Store(true)
		}
		last = seq
		received.Add(1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	p := newPub(t, url(s), Options{MaxBuffer: 64 << 20, MaxBufferTotal: 256 << 20, Metrics: mp})
	h := p.Stream(1)
	var published atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		payload := make([]byte, size)
		for seq := uint64(0); ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			if h.Publish(stamp(payload, seq)) == nil {
				published.Add(1)
			}
		}
	}()
	for received.Load() < 200000 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Shutdown(ctx)
	if disorder.Load() {
		t.Fatal("messages out of order")
	}
	pubLost := nettest.Sum(t, regP, "nanoq_pub_lost_messages_total", "")
	subLost := nettest.Sum(t, regS, "nanoq_sub_lost_messages_total", "")
	// A frame the close cut is counted by both sides when the publisher
	// could not write all of it (lost) and the subscriber got a part
	// (truncated).
	truncated := nettest.Sum(t, regS, "nanoq_sub_lost_messages_total", "truncated")
	unacked := nettest.Sum(t, regP, "nanoq_pub_unacked_bytes_total", "")
	hidden := float64(published.Load()-received.Load()) - pubLost - subLost
	t.Logf("published %d, received %d, lost pub %v + sub %v, unacked %v B (%v messages), uncounted %v",
		published.Load(), received.Load(), pubLost, subLost, unacked, unacked/(size+1), hidden)
	if hidden < -truncated {
		t.Fatalf("%v messages counted lost and received (%v truncated)", -hidden, truncated)
	}
	// What arrives between the subscriber's last read and its close is
	// acknowledged by its kernel and discarded: nobody can count it. It is
	// a few messages on a quiet machine; a loaded one can deschedule the
	// loop there for a fraction of a millisecond of this flood (1,054
	// messages once, on CI; 2,113 over a 2,000 slack once, with other
	// tests running beside it). Before, up to 19 % of the messages vanished:
	// 3 % still catches that.
	slack := max(100, 0.03*float64(received.Load()))
	if runtime.GOOS == "linux" && hidden > math.Ceil(unacked/(size+1))+slack {
		t.Fatalf("%v messages neither received nor counted, %v unacked bytes", hidden, unacked)
	}
}
