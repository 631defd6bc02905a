package lbtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
)

// runSub is a subscriber process behind HAProxy (PROXY protocol v2). It
// prints "READY", then "CONNS n PEERS p" every 50 ms (its connections and
// per-peer hosts); on SIGTERM it drains, writes every (key, seq) it
// received to file as 8-byte records, prints "DONE n" and exits.
func runSub(spec string) error {
	f := strings.Split(spec, "|")
	age, err := time.ParseDuration(f[2])
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var got []byte
	s, err := sub.New("tcp4://"+f[0], sub.Options{
		Metrics: m, ProxyProtocol: true, MaxConnectionAge: age,
		Handler: func(p []byte, _ sub.StreamDescriptor) {
			mu.Lock()
			got = append(got, p[:8]...)
			mu.Unlock()
		},
	})
	if err != nil {
		return err
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	for deadline := time.Now().Add(10 * time.Second); ; { // the port may be in use a moment longer
		if err = s.Bind(); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	fmt.Println("READY")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-term:
			done = true
		case <-tick.C:
			conns, peers := gauge(reg, "nanoq_sub_streams"), peerHosts(reg)
			fmt.Printf("CONNS %d PEERS %s\n", conns, strings.Join(peers, ","))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if err := os.WriteFile(f[1], got, 0o600); err != nil {
		return err
	}
	fmt.Println("DONE", len(got)/8, "lost", lostByReason(reg))
	return nil
}

func lostByReason(g prometheus.Gatherer) string {
	mfs, _ := g.Gather()
	var out []string
	for _, mf := range mfs {
		if mf.GetName() == "nanoq_sub_lost_messages_total" {
			for _, m := range mf.GetMetric() {
				if v := m.GetCounter().GetValue(); v > 0 {
					out = append(out, fmt.Sprintf("%s=%v", m.GetLabel()[1].GetValue(), v))
				}
			}
		}
	}
	return strings.Join(out, ",")
}

func gauge(g prometheus.Gatherer, name string) int {
	mfs, _ := g.Gather()
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetGauge().GetValue()
			}
		}
	}
	return int(n)
}

func peerHosts(g prometheus.Gatherer) []string {
	mfs, _ := g.Gather()
	var out []string
	for _, mf := range mfs {
		if mf.GetName() == "nanoq_sub_peer_streams" {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "peer" {
						out = append(out, l.GetValue())
					}
				}
			}
		}
	}
	return out
}

// subProc is one subscriber process.
type subProc struct {
	cmd   *exec.Cmd
	file  string
	conns atomic.Int64
	peers atomic.Value // string
	ready chan struct{}
	done  chan error
}

func startSub(t *testing.T, addr, file string, age time.Duration) *subProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), subEnv+"="+addr+"|"+file+"|"+age.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &subProc{cmd: cmd, file: file, ready: make(chan struct{}), done: make(chan error, 1)}
	p.peers.Store("")
	go func() {
		sc := bufio.NewScanner(out)
		var last string
		for sc.Scan() {
			line := sc.Text()
			switch f := strings.Fields(line); {
			case line == "READY":
				close(p.ready)
			case len(f) >= 2 && f[0] == "CONNS":
				n, _ := strconv.Atoi(f[1])
				p.conns.Store(int64(n))
				if len(f) == 4 {
					p.peers.Store(f[3])
				}
			default:
				last = line
			}
		}
		err := cmd.Wait()
		if strings.HasPrefix(last, "DONE") && strings.Contains(last, "=") {
			fmt.Fprintln(os.Stderr, "subscriber", addr, last)
		}
		if err == nil && !strings.HasPrefix(last, "DONE") {
			err = fmt.Errorf("subscriber process ended with %q", last)
		}
		p.done <- err
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case <-p.ready:
	case err := <-p.done:
		t.Fatalf("subscriber process on %s: %v", addr, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("subscriber process on %s did not start", addr)
	}
	return p
}

// stop drains the process (SIGTERM) and waits for it.
func (p *subProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("draining subscriber: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a draining subscriber did not exit")
	}
}
