package lbtest

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/metrics"
	"github.com/nanoq/nq/pub"
	"github.com/nanoq/nq/sub"
	"github.com/prometheus/client_golang/prometheus"
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

// freePorts returns n loopback TCP ports free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// startHAProxy runs HAProxy in TCP mode on fe, balancing round robin over
// the backends with PROXY protocol v2 and fast health checks. Its
// connections to the subscribers come from 127.0.0.2, so a subscriber
// that names 127.0.0.1 as its peer read that from the PROXY header.
func startHAProxy(t *testing.T, fe int, backends []int) *haproxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("haproxy is not installed (.ci/run installs it)")
		}
		t.Skip("haproxy is not installed (apt-get install haproxy)")
	}
	dir := t.TempDir()
	admin := filepath.Join(dir, "admin.sock")
	var b strings.Builder
	fmt.Fprintf(&b, "global\n  maxconn 4096\n  stats socket %s mode 600 level admin\n", admin)
	fmt.Fprintf(&b, `defaults
  mode tcp
  timeout connect 2s
  timeout client 1m
  timeout server 1m
  retries 3
  option redispatch
frontend fe
  bind 127.0.0.1:%d
  default_backend subs
backend subs
  balance roundrobin
  source 127.0.0.2
`, fe)
	for i, port := range backends {
		fmt.Fprintf(&b, "  server s%d 127.0.0.1:%d send-proxy-v2 check inter 100ms fall 1 rise 1\n", i, port)
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", fe))
		if err == nil {
			c.Close()
			return &haproxy{t: t, admin: admin}
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy does not listen: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// haproxy is a running HAProxy's runtime API.
type haproxy struct {
	t     *testing.T
	admin string // the stats socket, level admin
}

// setState sets backend server i's state: "drain" takes it out of rotation
// (no new connections; those it has go on), "ready" puts it back.
func (h *haproxy) setState(i int, state string) {
	h.t.Helper()
	c, err := net.Dial("unix", h.admin)
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "set server subs/s%d state %s\n", i, state)
	reply, _ := io.ReadAll(c)
	if r := strings.TrimSpace(string(reply)); r != "" {
		h.t.Fatalf("haproxy: set server s%d state %s: %s", i, state, r)
	}
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
	var published atomic.Int64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() { // 300 streams, 50 msgs/s each
		defer close(stopped)
		buf := make([]byte, 32)
		for seq := uint32(0); ; seq++ {
			for k := range uint32(streams) {
				binary.LittleEndian.PutUint32(buf, k)
				binary.LittleEndian.PutUint32(buf[4:], seq)
				if p.Publish(context.Background(), buf, k) == nil {
					published.Add(1)
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
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
	close(stop)
	<-stopped
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
		published.Load(), len(seen), dups, lost, unacked, handed, counts, peers)
	if int64(len(seen)) != published.Load() {
		maxSeq := uint32(published.Load()/streams) - 1
		for k := range uint32(streams) {
			for q := uint32(0); q <= maxSeq; q++ {
				if !seen[uint64(k)|uint64(q)<<32] {
					t.Logf("missing: key %d seq %d (last seq %d)", k, q, maxSeq)
				}
			}
		}
	}
	if dups != 0 || int64(len(seen)) != published.Load() || lost != 0 {
		t.Fatalf("published %d, delivered %d distinct, %d twice, %v counted lost: want every message exactly once", published.Load(), len(seen), dups, lost)
	}
	if !ok {
		t.Fatalf("streams per subscriber %v, want 100 ± 30 each", counts)
	}
	if peers != "127.0.0.1" {
		t.Fatalf("the subscriber's peers are %q, want the publisher, 127.0.0.1 (HAProxy connects from 127.0.0.2)", peers)
	}
}
