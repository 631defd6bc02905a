package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// seriesCount counts the series of the named families in reg.
func seriesCount(t *testing.T, reg *prometheus.Registry, names ...string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		for _, name := range names {
			if mf.GetName() == name {
				n += len(mf.GetMetric())
			}
		}
	}
	return n
}

func TestPeers(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	ps := m.Peers("127.0.0.1:7000")
	a1, a2, b := ps.Open("10.0.0.1"), ps.Open("10.0.0.1"), ps.Open("10.0.0.2")
	if a1 != a2 || ps.Len() != 2 {
		t.Fatalf("two opens of one host: %p %p; %d hosts", a1, a2, ps.Len())
	}
	a1.Transferred(3, 30)
	b.Transferred(1, 10)
	if n := seriesCount(t, reg, "nanoq_sub_peer_messages_total"); n != 2 {
		t.Fatalf("%d peer series, want 2", n)
	}
	a1.Close()
	b.Close()
	ps.Sweep()
	if ps.Len() != 1 || seriesCount(t, reg, "nanoq_sub_peer_streams") != 1 {
		t.Fatalf("after b left: %d hosts", ps.Len())
	}
	a2.Close()
	ps.Sweep()
	if ps.Len() != 0 || seriesCount(t, reg, "nanoq_sub_peer_streams", "nanoq_sub_peer_messages_total", "nanoq_sub_peer_bytes_total") != 0 {
		t.Fatalf("after every host left: %d hosts", ps.Len())
	}

	var none *Metrics
	nps := none.Peers("x")
	p := nps.Open("h")
	p.Transferred(1, 1)
	p.Close()
	nps.Sweep()
	if nps.Len() != 0 {
		t.Fatal("nil Peers has hosts")
	}
}
