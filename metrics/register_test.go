package metrics

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterTwice(t *testing.T) {
	tests := []struct {
		name string
		reg  func(r *prometheus.Registry) prometheus.Registerer
	}{
		{"registry", func(r *prometheus.Registry) prometheus.Registerer { return r }},
		{"wrapped registerer", func(r *prometheus.Registry) prometheus.Registerer {
			return prometheus.WrapRegistererWith(prometheus.Labels{"app": "x"}, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := prometheus.NewRegistry()
			reg := tt.reg(base)
			m1, err := New(reg)
			if err != nil {
				t.Fatalf("first New: %v", err)
			}
			m2, err := New(reg)
			if err != nil {
				t.Fatalf("second New: %v", err)
			}
			m1.Pub("a:1").Transferred(1, 10)
			m2.Pub("a:1").Transferred(2, 20)
			m2.Sub("b").Count(AcceptError)
			m1.Sub("b").Count(AcceptError)
			labels := map[string]string{labelAddr: "a:1"}
			subLabels := map[string]string{labelAddr: "b"}
			if tt.name == "wrapped registerer" {
				labels["app"], subLabels["app"] = "x", "x"
			}
			if got := value(t, base, "nanoq_pub_messages_total", labels); got != 3 {
				t.Errorf("messages = %v, want 3 (both instances share collectors)", got)
			}
			if got := value(t, base, "nanoq_sub_accept_errors_total", subLabels); got != 2 {
				t.Errorf("accept errors = %v, want 2", got)
			}
		})
	}
}

func TestRegisterConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	// Same name as one of ours, other label names: not "already registered".
	conflict := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "nanoq_sub_accept_errors_total", Help: "Something else.",
	})
	reg.MustRegister(conflict)

	m, err := New(reg)
	if err == nil || m != nil {
		t.Fatalf("New = %v, %v; want an error", m, err)
	}
	if !strings.HasPrefix(err.Error(), "nanoq: register metrics: ") {
		t.Fatalf("error %q lacks the nanoq prefix", err)
	}
	// Everything New registered before the conflict was rolled back: an
	// identical collector registers without AlreadyRegisteredError.
	again := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "pub", Name: "messages_total",
		Help: "Messages written to connections towards the subscriber at addr.",
	}, []string{labelAddr})
	if err := reg.Register(again); err != nil {
		t.Fatalf("nanoq_pub_messages_total still registered after a failed New: %v", err)
	}
}

func TestRegisterTypeMismatch(t *testing.T) {
	reg := prometheus.NewRegistry()
	// A gauge vector with the exact descriptor of one of our counters: the
	// registry says "already registered", but it is not a *CounterVec.
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: "pub", Name: "messages_total",
		Help: "Messages written to connections towards the subscriber at addr.",
	}, []string{labelAddr})
	reg.MustRegister(g)
	_, err := New(reg)
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Fatalf("New error = %v, want one wrapping AlreadyRegisteredError", err)
	}
}

func TestNilRegisterer(t *testing.T) {
	m, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Pub("a:1")
	s.Transferred(1, 1)
	s.Lost(Overflow, 1, 1)
	// Unregistered collectors: registering a fresh set on a registry works.
	if _, err := New(prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
}

func TestDefault(t *testing.T) {
	const n = 8
	got := make([]*Metrics, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i] = Default() })
	}
	wg.Wait()
	for i, m := range got {
		if m == nil || m != got[0] {
			t.Fatalf("Default() #%d = %p, want %p", i, m, got[0])
		}
	}
	if _, err := New(prometheus.DefaultRegisterer); err != nil {
		t.Fatalf("New(DefaultRegisterer) after Default: %v", err)
	}
	// The default registry lives as long as the process (go test -count=N
	// runs this N times): compare with the value before.
	h := got[0].Pub("default-test:1")
	labels := map[string]string{labelAddr: "default-test:1"}
	before := value(t, prometheus.DefaultGatherer, "nanoq_pub_reconnects_total", labels)
	h.Count(Reconnected)
	if v := value(t, prometheus.DefaultGatherer, "nanoq_pub_reconnects_total", labels); v != before+1 {
		t.Fatalf("reconnects on the default registry = %v, want %v", v, before+1)
	}
}

// TestConcurrentLost races first uses of a lazily resolved reason.
func TestConcurrentLost(t *testing.T) {
	m, reg := newTest(t)
	s := m.Pub("a:1")
	const workers, per = 4, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range per {
				s.Lost(ShortBuffer, 1, 3)
				s.Transferred(1, 2)
				s.Buffered(1)
			}
		})
	}
	wg.Wait()
	tests := []struct {
		metric string
		labels map[string]string
		want   float64
	}{
		{"nanoq_pub_lost_messages_total", addrReason("a:1", ShortBuffer), workers * per},
		{"nanoq_pub_lost_bytes_total", addrReason("a:1", ShortBuffer), 3 * workers * per},
		{"nanoq_pub_bytes_total", addr("a:1"), 2 * workers * per},
		{"nanoq_pub_buffered_bytes", addr("a:1"), workers * per},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			if got := value(t, reg, tt.metric, tt.labels); got != tt.want {
				t.Fatalf("%v, want %v", got, tt.want)
			}
		})
	}
}
