package nettest

import (
	"testing"
	"time"

	"github.com/nanoq/nq/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// NewMetrics returns nanoQ metrics on a fresh private registry.
func NewMetrics(t testing.TB) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// Sum adds up the samples of the counter or gauge family name in reg,
// keeping only those whose reason label is reason ("" keeps every sample).
func Sum(t testing.TB, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			match := reason == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					match = true
				}
			}
			if match {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// WaitSum polls Sum until it reaches want, failing the test after 20 s.
// Metrics have no signal of their own, so this is where tests poll.
func WaitSum(t testing.TB, reg *prometheus.Registry, name, reason string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := Sum(t, reg, name, reason)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{reason=%q} = %v, want >= %v", name, reason, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
