package pub

import (
	"bufio"
	"math/rand/v2"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
)

// TestStalledPeerBound: the loop writes big batches while the socket takes
// them; once a peer stops reading, the reactor holds what the socket did
// not take and the ring keeps only the rest of MaxBuffer, so the stream
// never holds more than MaxBuffer, and the freshest frames are the ones
// that survive: the last one published arrives, every frame arrives in
// order or is counted lost, once.
func TestStalledPeerBound(t *testing.T) {
	const (
		size      = 1 << 10
		maxBuffer = 256 << 10
		total     = 20000 // 20 MB offered to a peer that reads nothing until the end
	)
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{MaxBuffer: maxBuffer, MaxPayload: size, NoDirectWrite: true, Metrics: m})
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, size)
	h := p.Stream("k")
	if err := h.Publish(seqPayload(buf, 1, 0, rng)); err != nil {
		t.Fatal(err)
	}
	c := accept(t, conns)
	held := 0 // the most the reactor was seen holding
	for i := 1; i < total; i++ {
		h.Publish(seqPayload(buf, 1, uint64(i), rng))
		if b := h.Buffered(); b > maxBuffer {
			t.Fatalf("stream holds %d bytes after message %d, MaxBuffer %d", b, i, maxBuffer)
		}
		held = max(held, int(h.s.Load().reactorHeld.Load()))
	}
	if held == 0 {
		t.Fatal("the reactor never held output: the peer's socket never filled")
	}

	done := make(chan []uint64)
	go func() {
		var got []uint64
		br := bufio.NewReaderSize(c, 1<<20)
		for {
			f, err := readFrame(br)
			if err != nil {
				done <- got
				return
			}
			if _, seq, ok := checkSeqPayload(f); ok {
				got = append(got, seq)
			} else {
				t.Errorf("corrupt frame after %d frames", len(got))
			}
		}
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("seq %d after %d", got[i], got[i-1])
		}
	}
	if len(got) == 0 || got[len(got)-1] != total-1 {
		t.Fatalf("the freshest frame did not arrive: received %d frames, last %v", len(got), got[max(len(got)-1, 0):])
	}
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	t.Logf("reactor held up to %d B; received %d, sent %v, lost %v", held, len(got), sent, lost)
	if int(sent) != len(got) || int(sent+lost) != total || lost == 0 {
		t.Fatalf("received %d, sent %v + lost %v, published %d", len(got), sent, lost, total)
	}
}
