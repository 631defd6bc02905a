package sub

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/prometheus/client_golang/prometheus"
)

// seriesByName counts the series of each nanoq_sub_ metric family in reg,
// and checks that every one has addr == listen.
func seriesByName(t *testing.T, reg *prometheus.Registry, listen string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range nettest.Samples(t, reg) {
		if !strings.HasPrefix(m.Family, "nanoq_sub_") {
			continue
		}
		out[m.Family]++
		if addr, ok := m.Labels["addr"]; ok && addr != listen {
			t.Fatalf("%s has addr %q, want the listen address %q", m.Family, addr, listen)
		}
	}
	return out
}

// TestPeerSeriesFollowConnectedHosts: 300 publisher hosts (127.0.1.x and
// 127.0.2.x) connect once, send a message and leave. While connected each
// has its per-peer series; once its last connection closes they go, and
// the subscriber's totals (label addr, the listen address on every series)
// still count every message. Before, each host kept 16 series forever.
func TestPeerSeriesFollowConnectedHosts(t *testing.T) {
	const hosts = 300
	for _, noPeer := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoPeerMetrics=%v", noPeer), func(t *testing.T) {
			m, reg := nettest.NewMetrics(t)
			col := newCollector()
			s := startSub(t, "tcp4://127.0.0.1:0", Options{Handler: col.Handle, Metrics: m, NoPeerMetrics: noPeer})
			listen := s.addr.String()
			conns := make([]net.Conn, hosts)
			for i := range conns {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))}}
				c, err := d.Dial("tcp4", s.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
				if _, err := c.Write(frame(pattern(i, 10))); err != nil {
					t.Fatal(err)
				}
			}
			col.Wait(t, hosts)
			want := hosts
			if noPeer {
				want = 0
			}
			if got := seriesByName(t, reg, listen)["nanoq_sub_peer_streams"]; got != want {
				t.Fatalf("%d peer_streams series with %d hosts connected, want %d", got, hosts, want)
			}
			if s.peers.Len() != want {
				t.Fatalf("%d peer entries, want %d", s.peers.Len(), want)
			}
			for _, c := range conns {
				c.Close()
			}
			nettest.WaitSum(t, reg, "nanoq_sub_streams", "", 0)
			deadline := time.Now().Add(10 * time.Second)
			for s.peers.Len() > 0 { // the timer goroutine sweeps every tick
				if time.Now().After(deadline) {
					t.Fatalf("%d peer entries left after every host left", s.peers.Len())
				}
				time.Sleep(10 * time.Millisecond)
			}
			series := seriesByName(t, reg, listen)
			for _, name := range []string{"nanoq_sub_peer_streams", "nanoq_sub_peer_messages_total", "nanoq_sub_peer_bytes_total"} {
				if series[name] != 0 {
					t.Fatalf("%d %s series after every host left", series[name], name)
				}
			}
			if n := series["nanoq_sub_messages_total"]; n != 1 {
				t.Fatalf("%d nanoq_sub_messages_total series, want 1 (the listen address)", n)
			}
			if got := nettest.Sum(t, reg, "nanoq_sub_messages_total", ""); got != hosts {
				t.Fatalf("messages_total %v, want %d", got, hosts)
			}
		})
	}
}
