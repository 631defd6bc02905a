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

// A Sample is one series of a family that a registry gathers.
type Sample struct {
	Family string
	Labels map[string]string
	Value  float64 // a counter's or a gauge's value; 0 for other kinds
}

// Samples returns every series that g gathers, in g's order.
func Samples(t testing.TB, g prometheus.Gatherer) []Sample {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []Sample
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			labels := make(map[string]string, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out = append(out, Sample{f.GetName(), labels, m.GetCounter().GetValue() + m.GetGauge().GetValue()})
		}
	}
	return out
}

// Sum adds up the samples of counter or gauge family name in reg whose reason
// label is reason ("" keeps every sample).
func Sum(t testing.TB, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	return SumLabel(t, reg, name, "reason", reason)
}

// SumLabel is Sum for any label: it keeps the samples whose label has
// value ("" keeps every sample).
func SumLabel(t testing.TB, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	var sum float64
	for _, s := range Samples(t, reg) {
		if s.Family == name && (value == "" || s.Labels[label] == value) {
			sum += s.Value
		}
	}
	return sum
}

// WaitSum polls Sum until it reaches want, failing the test after 20 s.
// Metrics have no signal of their own, so this is where tests poll.
func WaitSum(t testing.TB, reg *prometheus.Registry, name, reason string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for got := Sum(t, reg, name, reason); got < want; got = Sum(t, reg, name, reason) {
		if time.Now().After(deadline) {
			t.Fatalf("%s{reason=%q} = %v, want >= %v", name, reason, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
