package pub

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
)

// faultSubEnv makes the test binary a subscriber process for the fault
// tests (see runFaultSub).
const faultSubEnv = "NANOQ_TEST_FAULT_SUB"

// faultMaxSeq bounds the sequence numbers the subscriber process tracks.
const faultMaxSeq = 1 << 24

// runFaultSub, in a process started by startFaultSub, runs a subscriber on
// loopback port 0 that checks order per stream and duplicates over all.
// It prints "ADDR host:port", then "SEQ received" every 10 ms, and when
// its stdin closes it closes the subscriber and prints "DONE received
// lost bad". It reports whether it ran.
func runFaultSub() bool {
	if os.Getenv(faultSubEnv) == "" {
		return false
	}
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	var received, bad atomic.Int64
	seen := make([]bool, faultMaxSeq)
	last := map[sub.StreamDescriptor]uint64{}
	s, err := sub.New("tcp4://127.0.0.1:0", sub.Options{Metrics: m, EventLoops: 1, Handler: func(p []byte, sd sub.StreamDescriptor) {
		seq := binary.LittleEndian.Uint64(p)
		if prev, ok := last[sd]; seq >= faultMaxSeq || seen[seq] || ok && seq <= prev {
			bad.Add(1)
		} else {
			seen[seq] = true
		}
		last[sd] = seq
		received.Add(1)
	}})
	if err == nil {
		err = s.Bind()
	}
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR", s.Addr())
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-quit:
				return
			case <-time.After(10 * time.Millisecond):
				fmt.Println("SEQ", received.Load())
			}
		}
	}()
	io.Copy(io.Discard, os.Stdin)
	s.Close()
	close(quit)
	lost := 0.0
	if mfs, err := reg.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() == "nanoq_sub_lost_messages_total" {
				for _, m := range mf.GetMetric() {
					lost += m.GetCounter().GetValue()
				}
			}
		}
	}
	fmt.Println("DONE", received.Load(), int64(lost), bad.Load())
	return true
}

// faultSub is a subscriber process.
type faultSub struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	addr     string
	received atomic.Int64 // the last SEQ report
	done     chan [3]int64
}

// startFaultSub starts the test binary as a subscriber process.
func startFaultSub(t *testing.T) *faultSub {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), faultSubEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &faultSub{cmd: cmd, stdin: stdin, done: make(chan [3]int64, 1)}
	addr := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a, b, c int64
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "ADDR "):
				addr <- strings.TrimPrefix(line, "ADDR ")
			case strings.HasPrefix(line, "SEQ "):
				fmt.Sscan(line[4:], &a)
				f.received.Store(a)
			case strings.HasPrefix(line, "DONE "):
				fmt.Sscan(line[5:], &a, &b, &c)
				f.done <- [3]int64{a, b, c}
			}
		}
	})
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		stdin.Close()
		cmd.Wait()
		wg.Wait()
	})
	select {
	case f.addr = <-addr:
	case <-time.After(20 * time.Second):
		t.Fatal("the subscriber process did not start")
	}
	return f
}

// waitReceived waits until the process reported at least n messages.
func (f *faultSub) waitReceived(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for f.received.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the subscriber process received %d of %d", f.received.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// flood publishes stamped 100-byte messages on one stream until stop
// closes, and returns how many Publish accepted.
func flood(h *Stream, stop chan struct{}) (published chan int64) {
	published = make(chan int64, 1)
	go func() {
		payload := make([]byte, 100)
		n := int64(0)
		for seq := uint64(0); seq < faultMaxSeq; seq++ {
			select {
			case <-stop:
				published <- n
				return
			default:
			}
			if h.Publish(stamp(payload, seq)) == nil {
				n++
			}
			if seq%64 == 0 {
				runtime.Gosched()
			}
		}
		<-stop
		published <- n
	}()
	return published
}

// TestSubscriberStopped: the subscriber process is stopped (SIGSTOP) under
// a flood, long enough for WriteTimeout to reset its connection; the
// publisher redials (the stopped process's kernel accepts), then the
// process resumes. Order holds per connection, nothing arrives twice, and
// every message is received or counted lost, the uncounted ones within
// the unacked upper bound: no message counted lost is received. (Before:
// received + counted lost exceeded published by 2,347 in such a run.)
func TestSubscriberStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("a second process")
	}
	f := startFaultSub(t)
	m, reg := nettest.NewMetrics(t)
	p := newPub(t, "tcp4://"+f.addr, Options{WriteTimeout: 300 * time.Millisecond, MaxBuffer: 32 << 20, Metrics: m})
	stop := make(chan struct{})
	published := flood(p.Stream(1), stop)
	f.waitReceived(t, 50000)
	f.cmd.Process.Signal(syscall.SIGSTOP)
	nettest.WaitSum(t, reg, "nanoq_pub_reconnects_total", "", 1)
	time.Sleep(500 * time.Millisecond) // stopped a while on the new connection too
	f.cmd.Process.Signal(syscall.SIGCONT)
	f.waitReceived(t, f.received.Load()+50000)
	close(stop)
	n := <-published
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Log("Shutdown:", err)
	}
	f.stdin.Close()
	var res [3]int64
	select {
	case res = <-f.done:
	case <-time.After(20 * time.Second):
		t.Fatal("no result from the subscriber process")
	}
	received, subLost, bad := res[0], res[1], res[2]
	pubLost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	unacked := nettest.Sum(t, reg, "nanoq_pub_unacked_bytes_total", "")
	hidden := float64(n-received-subLost) - pubLost
	t.Logf("published %d: sent %v, lost %v; received %d, subscriber lost %d; unacked %v B; uncounted %v; resets %v",
		n, sent, pubLost, received, subLost, unacked, hidden, nettest.Sum(t, reg, "nanoq_pub_reconnects_total", ""))
	if bad != 0 {
		t.Fatalf("%d messages out of order on their connection or received twice", bad)
	}
	if sent+pubLost != float64(n) {
		t.Fatalf("sent %v + lost %v != published %d", sent, pubLost, n)
	}
	// A frame cut by a reset may be counted by both sides: lost by the
	// publisher, truncated by the subscriber; at most one per connection.
	if conns := 1 + nettest.Sum(t, reg, "nanoq_pub_reconnects_total", ""); hidden < -conns {
		t.Fatalf("%v messages counted lost and received", -hidden)
	}
	if runtime.GOOS == "linux" && hidden > math.Ceil(unacked/101)+100 {
		t.Fatalf("%v messages uncounted, above the %v unacked bytes", hidden, unacked)
	}
}

// TestSubscriberKilled: the subscriber process hangs (SIGSTOP) under a
// flood until the kernels' buffers are full, then is killed (SIGKILL). The
// publisher counts every message once, sent or lost, through the reset,
// the failed redials and Shutdown, and reports the bytes its kernel took
// that the dead peer never acknowledged (Linux). What the dead process's
// kernel had acknowledged is invisible to the publisher.
func TestSubscriberKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("a second process")
	}
	f := startFaultSub(t)
	m, reg := nettest.NewMetrics(t)
	p := newPub(t, "tcp4://"+f.addr, Options{MaxBuffer: 32 << 20, Metrics: m})
	stop := make(chan struct{})
	h := p.Stream(1)
	published := flood(h, stop)
	f.waitReceived(t, 50000)
	f.cmd.Process.Signal(syscall.SIGSTOP)
	for h.Buffered() < 1<<20 { // the kernels took what they hold
		time.Sleep(time.Millisecond)
	}
	f.cmd.Process.Kill()
	nettest.WaitSum(t, reg, "nanoq_pub_dial_failures_total", "", 1)
	close(stop)
	n := <-published
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := p.Shutdown(ctx)
	sent := nettest.Sum(t, reg, "nanoq_pub_messages_total", "")
	lost := nettest.Sum(t, reg, "nanoq_pub_lost_messages_total", "")
	unacked := nettest.Sum(t, reg, "nanoq_pub_unacked_bytes_total", "")
	t.Logf("published %d: sent %v, lost %v; unacked %v B; received at least %d; Shutdown: %v", n, sent, lost, unacked, f.received.Load(), err)
	if sent+lost != float64(n) {
		t.Fatalf("sent %v + lost %v != published %d", sent, lost, n)
	}
	if !errors.Is(err, ErrUnsent) {
		t.Fatalf("Shutdown after the subscriber died: %v, want ErrUnsent", err)
	}
	if runtime.GOOS == "linux" && unacked <= 0 {
		t.Fatal("no unacked bytes reported for the killed subscriber's connection")
	}
}
