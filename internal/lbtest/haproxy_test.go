package lbtest

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/pub"
)

// subEnv makes the test binary a subscriber process: "addr|file|maxAge".
const subEnv = "NANOQ_LBTEST_SUB"

func TestMain(m *testing.M) {
	if spec := os.Getenv(subEnv); spec != "" {
		if err := runSub(spec); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		return
	}
	nettest.VerifyTestMain(m)
}

// TestRollingRestartBehindHAProxy: 300 paced streams through HAProxy to
// three subscriber processes, each taken out of rotation (HAProxy's drain
// state), drained (SIGTERM → Drain) and restarted in turn. Every message published is delivered exactly once over all the
// processes, the subscribers see the publisher (not HAProxy) as their
// peer, and with MaxConnectionAge 1 s each serves 100 ± 30 streams once
// all three are back.
func TestRollingRestartBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("processes and HAProxy")
	}
	ports := freePorts(t, 4)
	fe, backends := ports[0], ports[1:]
	dir := t.TempDir()
	gen := 0
	start := func(i int) *subProc {
		gen++
		return startSub(t, fmt.Sprintf("127.0.0.1:%d", backends[i]), filepath.Join(dir, fmt.Sprintf("sub%d.bin", gen)), time.Second)
	}
	subs := make([]*subProc, 3)
	for i := range subs {
		subs[i] = start(i)
	}
	lb := startHAProxy(t, fe, backends)

	m, reg := nettest.NewMetrics(t)
	p, err := pub.New(fmt.Sprintf("tcp4://127.0.0.1:%d", fe), pub.Options{Metrics: m, NoDirectWrite: os.Getenv("NODIRECT") != ""})
	if err != nil {
		t.Fatal(err)
	}
	const streams = 300
	publish := func(b []byte, k uint32) error { return p.Publish(context.Background(), b, k) }
	pace := nettest.Pace(publish, streams, 32, 20*time.Millisecond) // 300 streams, 50 msgs/s each
	time.Sleep(500 * time.Millisecond)
	var files []string
	for i := range subs { // the rolling restart, as an operator does it
		lb.setState(i, "drain") // out of rotation: no new connections
		time.Sleep(50 * time.Millisecond)
		subs[i].stop(t) // SIGTERM: Drain hands its streams over to the others
		files = append(files, subs[i].file)
		subs[i] = start(i)
		lb.setState(i, "ready")
		time.Sleep(300 * time.Millisecond)
	}
	spread := func() (counts [3]int64, ok bool) {
		ok = true
		for i, s := range subs {
			counts[i] = s.conns.Load()
			ok = ok && counts[i] >= 70 && counts[i] <= 130
		}
		return counts, ok
	}
	var counts [3]int64
	deadline, ok := time.Now().Add(20*time.Second), false
	for !ok && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		counts, ok = spread()
	}
	peers := subs[0].peers.Load().(string)
	pace.Stop()
	published := pace.Published()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("publisher Shutdown: %v", err)
	}
	for _, s := range subs {
		s.stop(t)
		files = append(files, s.file)
	}
	seen := map[uint64]bool{}
	dups := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for ; len(b) >= 8; b = b[8:] {
			k := binary.LittleEndian.Uint64(b)
			if seen[k] {
				dups++
			}
			seen[k] = true
		}
	}
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	handed := nettest.Sum(t, reg, "nanoq_pub_handovers_total", "")
	unacked := nettest.Sum(t, reg, "nanoq_pub_unacked_bytes_total", "")
	t.Logf("published %d, delivered %d (%d twice), lost %v, unacked %v B; hand-overs %v; streams per subscriber %v; peers seen %q",
		published, len(seen), dups, lost, unacked, handed, counts, peers)
	if int64(len(seen)) != published {
		maxSeq := uint32(published/streams) - 1
		for k := range uint32(streams) {
			for q := uint32(0); q <= maxSeq; q++ {
				if !seen[uint64(k)|uint64(q)<<32] {
					t.Logf("missing: key %d seq %d (last seq %d)", k, q, maxSeq)
				}
			}
		}
	}
	if dups != 0 || int64(len(seen)) != published || lost != 0 {
		t.Fatalf("published %d, delivered %d distinct, %d twice, %v counted lost: want every message exactly once", published, len(seen), dups, lost)
	}
	if !ok {
		t.Fatalf("streams per subscriber %v, want 100 ± 30 each", counts)
	}
	if peers != "127.0.0.1" {
		t.Fatalf("the subscriber's peers are %q, want the publisher, 127.0.0.1 (HAProxy connects from 127.0.0.2)", peers)
	}
}
