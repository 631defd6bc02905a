package nq_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/nanoq/nq"
	"github.com/nanoq/nq/internal/nettest"
	"github.com/prometheus/client_golang/prometheus"
)

// seqPayload is a 16-byte message: its key, its sequence number on that
// key, and filler derived from both.
func seqPayload(key, seq int) []byte {
	p := make([]byte, 16)
	binary.LittleEndian.PutUint32(p, uint32(key))
	binary.LittleEndian.PutUint32(p[4:], uint32(seq))
	binary.LittleEndian.PutUint64(p[8:], uint64(key)*1e9+uint64(seq))
	return p
}

// startSeedSub binds a subscriber with the seed's options on loopback,
// serves it with Listen(ctx) and returns it with its private metrics and
// the channel Listen's result arrives on.
func startSeedSub(t *testing.T, ctx context.Context, opts nq.SubOpts) (*nq.Subscriber, *prometheus.Registry, <-chan error) {
	t.Helper()
	m, reg := nettest.NewMetrics(t)
	s := nettest.Bind(t, nq.NewSub(nettest.TCPURL, opts, m).(*nq.Subscriber), nil)
	listened := make(chan error, 1)
	go func() { listened <- s.Listen(ctx) }()
	return s, reg, listened
}

// publishAll publishes perKey sequence-numbered messages on each of keys
// keys, round robin, flat out, then waits for the publisher to write them.
func publishAll(t *testing.T, url string, keys, perKey int) {
	t.Helper()
	p := nq.NewPub(url, nq.PubOpts{}, nil).(*nq.Publisher)
	ctx := context.Background()
	for seq := range perKey {
		for key := range keys {
			if err := p.Publish(ctx, seqPayload(key, seq), key); err != nil {
				t.Fatal(err)
			}
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// checkSeq checks that msg is key's next message and returns its key.
func checkSeq(t *testing.T, msg []byte, next map[int]int) int {
	t.Helper()
	if len(msg) != 16 {
		t.Fatalf("message of %d bytes, want 16", len(msg))
	}
	key, seq := int(binary.LittleEndian.Uint32(msg)), int(binary.LittleEndian.Uint32(msg[4:]))
	if binary.LittleEndian.Uint64(msg[8:]) != uint64(key)*1e9+uint64(seq) {
		t.Fatalf("corrupt message %x", msg)
	}
	if seq != next[key] {
		t.Fatalf("key %d: message %d, want %d", key, seq, next[key])
	}
	next[key]++
	return key
}

// Ten keys publish 20,000 messages of 16 B each before anyone calls
// Receive: 3.2 MB, a sixth of the default queue. Every message must wait in
// the queue and come out, in order per key.
func TestReceiveBurstBeforeReading(t *testing.T) {
	const keys, perKey = 10, 20000
	s, reg, _ := startSeedSub(t, context.Background(), nq.SubOpts{})
	publishAll(t, "tcp4://"+s.Addr().String(), keys, perKey)
	nettest.WaitSum(t, reg, "nanoq_sub_messages_total", "", keys*perKey)

	next := map[int]int{}
	streamOf := map[int]nq.StreamDescriptor{}
	buf := make([]byte, 64)
	for range keys * perKey {
		msg, stream, err := s.Receive(context.Background(), buf)
		if err != nil {
			t.Fatal(err)
		}
		key := checkSeq(t, msg, next)
		if d, ok := streamOf[key]; ok && d != stream {
			t.Fatalf("key %d arrived on streams %d and %d", key, d, stream)
		}
		streamOf[key] = stream
	}
	if lost := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("%v messages counted lost", lost)
	}
}

// Modelled on the original's TestManyMessages: publish, stop listening,
// and keep calling Receive. The queued messages come out, then an error
// that is both the Listen context's error and ErrClosed.
func TestReceiveAfterListenEnds(t *testing.T) {
	const keys, perKey = 3, 1000
	ctx, cancel := context.WithCancel(context.Background())
	s, reg, listened := startSeedSub(t, ctx, nq.SubOpts{})
	publishAll(t, "tcp4://"+s.Addr().String(), keys, perKey)
	nettest.WaitSum(t, reg, "nanoq_sub_messages_total", "", keys*perKey)
	cancel()
	if err := <-listened; !errors.Is(err, context.Canceled) {
		t.Fatalf("Listen = %v, want context.Canceled", err)
	}

	next := map[int]int{}
	buf := make([]byte, 64)
	var err error
	n := 0
	for {
		var msg []byte
		if msg, _, err = s.Receive(context.Background(), buf); err != nil {
			break
		}
		checkSeq(t, msg, next)
		n++
	}
	if n != keys*perKey {
		t.Fatalf("received %d after Listen ended, want %d", n, keys*perKey)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, nq.ErrClosed) {
		t.Fatalf("Receive at the end = %v, want context.Canceled and ErrClosed", err)
	}
	// Later calls keep failing the same way, and Close counts nothing lost.
	if _, _, err2 := s.Receive(context.Background(), buf); !errors.Is(err2, context.Canceled) {
		t.Fatalf("second Receive at the end = %v", err2)
	}
	s.Close()
	if lost := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", ""); lost != 0 {
		t.Fatalf("%v messages counted lost", lost)
	}
}
