package lbtest

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
