package pub

import (
	"bufio"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

// seqPayload fills p with key, seq, a CRC-32 of the rest, and noise.
func seqPayload(p []byte, key byte, seq uint64, rng *rand.Rand) []byte {
	p[0] = key
	binary.LittleEndian.PutUint64(p[1:9], seq)
	for i := 13; i < len(p); i++ {
		p[i] = byte(rng.Uint32())
	}
	sum := crc32.Update(crc32.ChecksumIEEE(p[:9]), crc32.IEEETable, p[13:])
	binary.LittleEndian.PutUint32(p[9:13], sum)
	return p
}

// checkSeqPayload returns key and seq of an intact payload, or ok false.
func checkSeqPayload(p []byte) (key byte, seq uint64, ok bool) {
	if len(p) < 13 {
		return 0, 0, false
	}
	sum := crc32.Update(crc32.ChecksumIEEE(p[:9]), crc32.IEEETable, p[13:])
	return p[0], binary.LittleEndian.Uint64(p[1:9]), sum == binary.LittleEndian.Uint32(p[9:13])
}

// TestDirectWriteIdleStream: messages published one at a time on an idle
// stream leave by direct writes, arrive in order, and count as sent;
// with NoDirectWrite none is written directly.
func TestDirectWriteIdleStream(t *testing.T) {
	for _, tc := range []struct {
		name     string
		unix     bool
		opts     Options
		wantSome bool
	}{
		{"default", false, Options{NoDelay: true}, true},
		{"unix socket", true, Options{}, true},
		{"NoDirectWrite", false, Options{NoDelay: true, NoDirectWrite: true}, false},
		{"FlushFrequency", false, Options{NoDelay: true, FlushFrequency: time.Millisecond}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 300
			m, reg := nettest.NewMetrics(t)
			r := newReceived()
			addr := nettest.TCPURL
			if tc.unix {
				addr = "unix://" + nettest.UnixPath(t)
			}
			s := startSub(t, addr, r)
			tc.opts.Metrics = m
			p := newPub(t, url(s), tc.opts)
			rng := rand.New(rand.NewPCG(1, 2))
			buf := make([]byte, 200)
			for i := range n {
				if err := p.Publish(bg, seqPayload(buf, 1, uint64(i), rng), "k"); err != nil {
					t.Fatal(err)
				}
				r.Wait(t, i+1) // the stream is idle again before the next one
			}
			for _, msgs := range r.Snapshot() {
				for i, m := range msgs {
					if _, seq, ok := checkSeqPayload(m); !ok || seq != uint64(i) {
						t.Fatalf("message %d: seq %d, intact %v", i, seq, ok)
					}
				}
			}
			writes := directWrites(t, reg, "")
			t.Logf("%d of %d messages written directly", writes, n)
			if tc.wantSome && writes < n/2 {
				t.Fatalf("%d of %d messages written directly, want most", writes, n)
			}
			if !tc.wantSome && writes != 0 {
				t.Fatalf("%d direct writes, want none", writes)
			}
			nettest.WaitSum(t, reg, "nanoq_pub_messages_total", "", n)
		})
	}
}

// TestDirectWriteFullSocket: a subscriber that stops reading makes direct
// writes meet a full socket (the rest of a partial write goes through the
// loop); once it reads again every message arrives intact and in order, or
// is counted lost, and the stream's memory stays bounded meanwhile.
func TestDirectWriteFullSocket(t *testing.T) {
	const (
		size      = 100 << 10
		maxBuffer = 2 << 20
		total     = 400 // 40 MB offered
	)
	m, reg := nettest.NewMetrics(t)
	ln, conns := rawListener(t, "tcp4", "127.0.0.1:0")
	p := newPub(t, "tcp4://"+ln.Addr().String(), Options{MaxBuffer: maxBuffer, MaxPayload: size, Metrics: m})
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, size)
	if err := p.Publish(bg, seqPayload(buf, 1, 0, rng), "k"); err != nil {
		t.Fatal(err)
	}
	c := accept(t, conns) // not read until everything is published
	h := p.Stream("k")
	for i := 1; i < total; i++ {
		h.Publish(seqPayload(buf, 1, uint64(i), rng))
		if b := h.Buffered(); b > maxBuffer {
			t.Fatalf("stream holds %d bytes, MaxBuffer %d", b, maxBuffer)
		}
		if i%8 == 0 {
			time.Sleep(100 * time.Microsecond) // let the loop go idle: direct writes resume
		}
	}
	full := directWrites(t, reg, "part") + directWrites(t, reg, "none")
	t.Logf("direct writes %d, partial %d, took nothing %d", directWrites(t, reg, ""), directWrites(t, reg, "part"), directWrites(t, reg, "none"))
	if full == 0 {
		t.Fatal("no direct write met the full socket: the test did not exercise it")
	}

	done := make(chan struct{})
	var got []uint64
	go func() {
		defer close(done)
		br := bufio.NewReaderSize(c, 1<<20)
		for {
			f, err := readFrame(br)
			if err != nil {
				return
			}
			_, seq, ok := checkSeqPayload(f)
			if !ok {
				t.Errorf("corrupt frame after seq %v", got[len(got)-1:])
				return
			}
			got = append(got, seq)
		}
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	<-done // Close drained and closed the connection: EOF
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("seq %d after %d", got[i], got[i-1])
		}
	}
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	t.Logf("received %d, sent %v, lost %v", len(got), sent, lost)
	if int(sent) != len(got) || int(sent+lost) != total {
		t.Fatalf("received %d, sent %v + lost %v, published %d", len(got), sent, lost, total)
	}
}

// TestDirectWriteStress: several goroutines publish on shared keys with
// pauses (direct writes) and bursts (loop batches), while the subscriber's
// handler stalls now and then (full sockets, partial direct writes, blocked
// streams). Every message must arrive intact and in its key's order, or be
// counted lost, and each counted exactly once.
func TestDirectWriteStress(t *testing.T) {
	const (
		keys    = 6
		writers = 4
		perW    = 3000
	)
	m, reg := nettest.NewMetrics(t)
	var (
		mu      sync.Mutex
		last    [keys]int64
		got     atomic.Int64
		corrupt atomic.Int64
	)
	for i := range last {
		last[i] = -1
	}
	var stalls atomic.Int64
	s := bindSub(t, nettest.TCPURL, sub.Options{Handler: func(p []byte, _ sub.StreamDescriptor) {
		key, seq, ok := checkSeqPayload(p)
		if !ok || int(key) >= keys {
			corrupt.Add(1)
			return
		}
		mu.Lock()
		if int64(seq) <= last[key] {
			t.Errorf("key %d: seq %d after %d", key, seq, last[key])
		}
		last[key] = int64(seq)
		mu.Unlock()
		if got.Add(1)%997 == 0 && stalls.Add(1) < 20 {
			time.Sleep(2 * time.Millisecond) // stall this loop: sockets fill
		}
	}})
	p := newPub(t, url(s), Options{MaxBuffer: 512 << 10, MaxPayload: 64 << 10, Metrics: m, NoDelay: true})

	// Writers share keys; a key's sequence numbers are taken under its
	// lock together with the Publish, so they are published in order.
	var keyMu [keys]sync.Mutex
	var next [keys]uint64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(5, uint64(w)))
			buf := make([]byte, 64<<10)
			for i := range perW {
				k := rng.IntN(keys)
				size := 13 + rng.IntN(64)
				if rng.IntN(10) == 0 { // a tenth up to 64 KiB
					size = 13 + rng.IntN(64<<10-13)
				}
				keyMu[k].Lock()
				payload := seqPayload(buf[:size], byte(k), next[k], rng)
				next[k]++
				if err := p.Publish(bg, payload, k); err != nil {
					t.Error(err)
				}
				keyMu[k].Unlock()
				if i%50 == 0 {
					time.Sleep(100 * time.Microsecond) // idle: direct writes
				}
			}
		})
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	nettest.WaitSum(t, reg, "nanoq_pub_messages_total", "", sent) // already there
	deadline := time.Now().Add(20 * time.Second)
	for got.Load()+corrupt.Load() < int64(sent) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // the subscriber has no "all read" signal
	}
	t.Logf("published %d, sent %v, lost %v, received %d; direct writes %d (partial %d, none taken %d)",
		writers*perW, sent, lost, got.Load(), directWrites(t, reg, ""), directWrites(t, reg, "part"), directWrites(t, reg, "none"))
	if c := corrupt.Load(); c != 0 {
		t.Fatalf("%d corrupt messages", c)
	}
	if int(sent+lost) != writers*perW {
		t.Fatalf("sent %v + lost %v != published %d", sent, lost, writers*perW)
	}
	if got.Load() != int64(sent) {
		t.Fatalf("received %d, sent %v", got.Load(), sent)
	}
	if directWrites(t, reg, "") == 0 {
		t.Fatal("no direct writes: the test did not exercise them")
	}
}
