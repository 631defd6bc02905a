package pub

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

func TestManyKeysDistinctStreams(t *testing.T) {
	r, p := loopback(t, Options{NoDelay: true})
	for i := 1; i <= 100; i++ {
		if err := p.Publish(bg, []byte(fmt.Sprintf("hello %d", i)), i); err != nil {
			t.Fatal(err)
		}
	}
	r.Wait(t, 100)
	got := r.Snapshot()
	if len(got) != 100 {
		t.Fatalf("%d stream descriptors, want 100", len(got))
	}
	seen := map[string]bool{}
	for _, msgs := range got {
		if len(msgs) != 1 {
			t.Fatalf("a stream carried %d messages", len(msgs))
		}
		seen[string(msgs[0])] = true
	}
	for i := 1; i <= 100; i++ {
		if !seen[fmt.Sprintf("hello %d", i)] {
			t.Fatalf("message %d missing", i)
		}
	}
}

func TestPerKeyOrderNoLoss(t *testing.T) {
	const keys, perKey = 10, 20000
	m, reg := nettest.NewMetrics(t)
	r, p := loopback(t, Options{NoDelay: true, Metrics: m})
	var wg sync.WaitGroup
	for k := range keys {
		wg.Go(func() {
			buf := make([]byte, 16)
			for i := range perKey {
				binary.LittleEndian.PutUint64(buf, uint64(k))
				binary.LittleEndian.PutUint64(buf[8:], uint64(i))
				if err := p.Publish(bg, buf, k); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	r.Wait(t, keys*perKey)
	for d, msgs := range r.Snapshot() {
		key := binary.LittleEndian.Uint64(msgs[0])
		for i, m := range msgs {
			if binary.LittleEndian.Uint64(m) != key || binary.LittleEndian.Uint64(m[8:]) != uint64(i) {
				t.Fatalf("stream %d: message %d out of order or mixed", d, i)
			}
		}
	}
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("%v messages lost", lost)
	}
	nettest.WaitSum(t, reg, "nanoq_pub_messages_total", "", keys*perKey)
}

func TestPublishBeforeSubscriberExists(t *testing.T) {
	path := nettest.UnixPath(t)
	p := newPub(t, "unix://"+path, Options{})
	for i := range 10 {
		if err := p.Publish(bg, []byte{byte(i)}, "k"); err != nil {
			t.Fatal(err)
		}
	}
	r := newReceived()
	startSub(t, "unix://"+path, r)
	r.Wait(t, 10)
	for _, msgs := range r.Snapshot() {
		for i, m := range msgs {
			if m[0] != byte(i) {
				t.Fatalf("message %d is %d", i, m[0])
			}
		}
	}
}

func TestSubscriberRestart(t *testing.T) {
	path := nettest.UnixPath(t)
	m, reg := nettest.NewMetrics(t)
	r1 := newReceived()
	s1 := startSub(t, "unix://"+path, r1)
	p := newPub(t, "unix://"+path, Options{Metrics: m, Printf: t.Logf})
	p.Publish(bg, []byte("one"), "k")
	r1.Wait(t, 1)
	s1.Close()

	r2 := newReceived()
	startSub(t, "unix://"+path, r2)
	// Until the publisher notices the close and redials, messages may be
	// lost (and counted); keep publishing until the new subscriber has some.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; r2.Count() == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume")
		}
		p.Publish(bg, []byte("two"), "k")
		time.Sleep(5 * time.Millisecond)
	}
	nettest.WaitSum(t, reg, "nanoq_pub_reconnects_total", "", 1)
}

func TestStalledSubscriberBoundsMemory(t *testing.T) {
	const maxBuffer = 1 << 20
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{MaxBuffer: maxBuffer, MaxPayload: 64 << 10, Metrics: m})
	payload := make([]byte, 1000)
	p.Publish(bg, payload, "k")
	c := accept(t, conns) // accepted, never read
	_ = c
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 200_000 { // 200 MB offered
		p.Publish(bg, payload, "k")
	}
	st := p.streams.load("k")
	// The loop may still be feeding the socket; what we and the reactor
	// hold stays within the bound.
	if held := st.ring.Len() + int(st.reactorHeld.Load()); held > maxBuffer {
		t.Fatalf("publisher holds %d bytes, MaxBuffer %d", held, maxBuffer)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 8*maxBuffer {
		t.Fatalf("heap grew by %d bytes with MaxBuffer %d", grew, maxBuffer)
	}
	if lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "overflow"); lost < 100_000 {
		t.Fatalf("overflow losses %v, want most of 200000", lost)
	}
}

func TestInteropRawSubscriber(t *testing.T) {
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{})
	want := [][]byte{{}, []byte("x"), bytes.Repeat([]byte("y"), 300), bytes.Repeat([]byte("z"), 70000)}
	for _, w := range want {
		if err := p.Publish(bg, w, 7); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(accept(t, conns))
	for i, w := range want {
		got, err := readFrame(br)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestErrors(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	p, err := New("tcp4://127.0.0.1:1", Options{MaxPayload: 10, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(bg, make([]byte, 11), 1); !errors.Is(err, ErrTooBig) {
		t.Fatalf("oversized payload: %v, want ErrTooBig", err)
	}
	if n := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "too_big"); n != 1 {
		t.Fatalf("too_big losses %v, want 1", n)
	}
	p.Close()
	if err := p.Publish(bg, []byte("x"), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
	if err := p.Stream(1).Publish([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("handle after Close: %v, want ErrClosed", err)
	}
	if _, err := New("http://x", Options{}); err == nil {
		t.Fatal("bad URL accepted")
	}
	if _, err := New("tcp4://127.0.0.1:1", Options{MaxBuffer: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("negative option: %v", err)
	}
}

func TestManyStreamsConstantGoroutines(t *testing.T) {
	const streams = 2000
	r, p := loopback(t, Options{})
	p.Publish(bg, []byte("warm"), -1)
	r.Wait(t, 1)
	base := runtime.NumGoroutine()
	for i := range streams {
		p.Publish(bg, []byte("x"), i)
	}
	r.Wait(t, streams+1)
	// The dial burst may add spare dial workers: a bound, whatever the
	// number of streams, and they leave once idle.
	if g := runtime.NumGoroutine(); g > base+3+maxDialWorkers-dialWorkers {
		t.Fatalf("%d goroutines with %d streams, %d with one", g, streams, base)
	}
	deadline := time.Now().Add(5 * spareWorkerIdle)
	for runtime.NumGoroutine() > base+3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines with %d idle streams, %d with one: spare dial workers stayed", runtime.NumGoroutine(), streams, base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMulti(t *testing.T) {
	r := newReceived()
	s := startSub(t, nettest.TCPURL, r)
	down := "unix://" + nettest.UnixPath(t) // nobody listens
	mp, err := NewMulti([]string{down, url(s)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdownSoon(mp) // the down destination keeps its 100 messages
	for i := range 100 {
		if err := mp.Publish(bg, []byte{byte(i)}, "k"); err != nil {
			t.Fatal(err)
		}
	}
	r.Wait(t, 100)
}

var _ = sub.ErrClosed
