package pub

import (
	"bufio"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// Odd input from a caller is an error, never a panic: keys that cannot be
// map keys, a nil ctx, options out of range.
func TestPublishOddInput(t *testing.T) {
	col, p := loopback(t, Options{})

	type holder struct{ v any }
	for _, c := range []struct {
		name string
		key  any
	}{
		{"slice", []byte("key")},
		{"map", map[string]int{}},
		{"func", func() {}},
		{"struct holding a slice", holder{[]int{1}}},
		{"array of interfaces holding a map", [1]any{map[int]int{}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := p.Publish(bg, []byte("x"), c.key); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Publish = %v, want ErrInvalidKey", err)
			}
			if err := p.Stream(c.key).Publish([]byte("x")); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Stream.Publish = %v, want ErrInvalidKey", err)
			}
		})
	}
	// Comparable keys of other types work, a nil ctx too.
	for i, key := range []any{holder{1}, [2]string{"a", "b"}, 2.5, nil} {
		if err := p.Publish(nil, []byte{byte(i)}, key); err != nil { // a nil ctx on purpose
			t.Fatalf("key %v: %v", key, err)
		}
	}
	col.Wait(t, 4)

	for _, o := range []Options{
		{MaxBuffer: 2 << 40},
		{MaxPayload: math.MaxInt / 5},
		{MaxPayload: MaxPayloadLimit + 1},
		{MaxBuffer: MaxBufferLimit + 1},
	} {
		if _, err := New("tcp4://127.0.0.1:1", o); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("New(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	// The largest options accepted still publish without a panic.
	big, err := New("tcp4://127.0.0.1:1", Options{MaxPayload: MaxPayloadLimit, MaxBuffer: MaxBufferLimit})
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Publish(bg, []byte("x"), 1); err != nil {
		t.Fatal(err)
	}
	shutdownSoon(big) // nobody listens: its message stays unsent
}

// Keepalive does not cut a stream that is still writing to a slow reader
// (#11, finding 4): 16,000 × 1 KiB, published at once (more than the
// kernel's socket buffers hold), drained by a raw reader taking about 16
// per millisecond, with KeepaliveTimeout 100 ms. All arrive and none is
// counted lost; once drained, the idle stream closes.
func TestKeepaliveSparesSlowStream(t *testing.T) {
	const n = 16000
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{KeepaliveTimeout: 100 * time.Millisecond, Metrics: m})
	payload := make([]byte, 1024)
	for i := range n {
		payload[0], payload[1] = byte(i), byte(i>>8)
		if err := p.Publish(bg, payload, "k"); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(accept(t, conns))
	for i := range n {
		f, err := readFrame(br)
		if err != nil {
			t.Fatalf("frame %d: %v (lost: %v)", i, err, nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", ""))
		}
		if len(f) != 1024 || f[0] != byte(i) || f[1] != byte(i>>8) {
			t.Fatalf("frame %d: %d bytes, first %d", i, len(f), f[0])
		}
		if i%16 == 15 {
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := readFrame(br); err == nil {
		t.Fatal("a drained idle stream stayed open")
	}
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("%v messages counted lost", lost)
	}
}

// Shutdown says when it could not send everything (#11, finding 5): to an
// address nobody listens on, 100 buffered messages wait for a connection
// until ctx ends, then Shutdown reports them.
func TestShutdownReportsUnsent(t *testing.T) {
	ln, _ := rawListener(t, "tcp4", "127.0.0.1:0")
	url := "tcp4://" + ln.Addr().String()
	ln.Close() // nobody listens there now
	m, reg := nettest.NewMetrics(t)
	p, err := New(url, Options{Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := p.Publish(bg, []byte{byte(i)}, i%3); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel()
	err = p.Shutdown(ctx)
	if !errors.Is(err, ErrUnsent) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), " 100 messages") {
		t.Fatalf("Shutdown = %v, want 100 messages, ErrUnsent and DeadlineExceeded", err)
	}
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "disconnected"); lost != 100 {
		t.Fatalf("disconnected %v, want 100", lost)
	}
	if err := p.Shutdown(bg); err != nil {
		t.Fatalf("second Shutdown = %v", err)
	}
}

// Metrics say what they count (#11, finding 8): failed dials have a series
// of their own, the connection that follows counts as a reconnect, and
// too_big counts wire bytes like every publisher byte count.
func TestDialMetrics(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	path := nettest.UnixPath(t) // nobody listens there yet
	p := newPub(t, "unix://"+path, Options{Metrics: m, MaxPayload: 100})
	if err := p.Publish(bg, []byte("hello"), "k"); err != nil {
		t.Fatal(err)
	}
	nettest.WaitSum(t, reg, "nanoq_pub_dial_failures_total", "", 2)
	if n := nettest.Sum(t, reg, "nanoq_pub_reconnects_total", ""); n != 0 {
		t.Fatalf("reconnects %v before any connection", n)
	}
	ln, conns := rawListener(t, "unix", path)
	defer ln.Close()
	got, err := readFrame(bufio.NewReader(accept(t, conns)))
	if err != nil || string(got) != "hello" {
		t.Fatalf("after the outage: %q, %v", got, err)
	}
	nettest.WaitSum(t, reg, "nanoq_pub_reconnects_total", "", 1)

	if err := p.Publish(bg, make([]byte, 101), "k"); !errors.Is(err, ErrTooBig) {
		t.Fatalf("Publish 101 B = %v", err)
	}
	if n := nettest.Sum(t, reg, "nanoq_pub_lost_bytes_total", "too_big"); n != 102 {
		t.Fatalf("too_big bytes %v, want 102 (payload and 1-byte prefix)", n)
	}
}
