package metrics

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
)

func newTest(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, reg
}

func TestReasonString(t *testing.T) {
	tests := []struct {
		r    Reason
		want string
	}{
		{Overflow, "overflow"},
		{Disconnected, "disconnected"},
		{TooBig, "too_big"},
		{ShortBuffer, "short_buffer"},
		{QueueFull, "queue_full"},
		{Malformed, "malformed"},
		{Truncated, "truncated"},
		{NumReasons, "unknown"},
		{255, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Fatalf("Reason(%d).String() = %q, want %q", tt.r, got, tt.want)
			}
		})
	}
}

// TestFamilies checks every metric name, type, label names and help text:
// the contract in doc.go.
func TestFamilies(t *testing.T) {
	m, reg := newTest(t)
	m.Pub("10.0.0.1:1234").Closed(time.Second)
	m.Pub("10.0.0.1:1234").Target("127.0.0.2:1234").Inc()
	m.Sub("10.0.0.2").Closed(time.Second)
	m.Peers("10.0.0.2").Open("10.0.0.9").Transferred(1, 1)

	counter, gauge, hist := dto.MetricType_COUNTER, dto.MetricType_GAUGE, dto.MetricType_HISTOGRAM
	one, two := []string{"addr"}, []string{"addr", "reason"}
	peer, target := []string{"addr", "peer"}, []string{"addr", "target"}
	want := []struct {
		name   string
		typ    dto.MetricType
		labels []string
	}{
		{"nanoq_pub_messages_total", counter, one},
		{"nanoq_pub_bytes_total", counter, one},
		{"nanoq_pub_lost_messages_total", counter, two},
		{"nanoq_pub_lost_bytes_total", counter, two},
		{"nanoq_pub_reconnects_total", counter, one},
		{"nanoq_pub_dial_failures_total", counter, one},
		{"nanoq_pub_unacked_bytes_total", counter, one},
		{"nanoq_pub_streams", gauge, one},
		{"nanoq_pub_stream_duration_seconds", hist, one},
		{"nanoq_pub_buffered_bytes", gauge, one},
		{"nanoq_pub_handovers_total", counter, one},
		{"nanoq_pub_direct_writes_total", counter, []string{"addr", "result"}},
		{"nanoq_pub_target_streams", gauge, target},
		{"nanoq_sub_messages_total", counter, one},
		{"nanoq_sub_bytes_total", counter, one},
		{"nanoq_sub_lost_messages_total", counter, two},
		{"nanoq_sub_lost_bytes_total", counter, two},
		{"nanoq_sub_accept_errors_total", counter, one},
		{"nanoq_sub_streams", gauge, one},
		{"nanoq_sub_stream_duration_seconds", hist, one},
		{"nanoq_sub_buffered_bytes", gauge, one},
		{"nanoq_sub_drains_begun_total", counter, one},
		{"nanoq_sub_drained_total", counter, one},
		{"nanoq_sub_rotated_total", counter, one},
		{"nanoq_sub_peer_messages_total", counter, peer},
		{"nanoq_sub_peer_bytes_total", counter, peer},
		{"nanoq_sub_peer_streams", gauge, peer},
	}
	got := gather(t, reg)
	if len(got) != len(want) {
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Errorf("gathered %d families, want %d: %v", len(got), len(want), names)
	}
	if len(help) != len(want) {
		t.Errorf("%d help texts for %d families", len(help), len(want))
	}
	for _, w := range want {
		t.Run(w.name, func(t *testing.T) {
			mf := got[w.name]
			if mf == nil {
				t.Fatal("missing")
			}
			if mf.GetType() != w.typ {
				t.Errorf("type %v, want %v", mf.GetType(), w.typ)
			}
			if len(mf.GetHelp()) < 20 {
				t.Errorf("help %q is too short", mf.GetHelp())
			}
			for _, m := range mf.GetMetric() {
				var names []string
				for _, lp := range m.GetLabel() {
					names = append(names, lp.GetName())
				}
				if !slices.Equal(names, w.labels) {
					t.Errorf("labels %v, want %v", names, w.labels)
				}
			}
		})
	}
}

func TestLint(t *testing.T) {
	m, reg := newTest(t)
	m.Pub("10.0.0.1:1234").Closed(time.Second)
	m.Sub("10.0.0.2").Closed(time.Second)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestBuckets(t *testing.T) {
	m, reg := newTest(t)
	m.Pub("a:1").Closed(90 * time.Second)
	h := find(t, reg, "nanoq_pub_stream_duration_seconds", addr("a:1")).GetHistogram()
	var bounds []float64
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
		if got, want := b.GetCumulativeCount(), uint64(0); b.GetUpperBound() >= 120 {
			want = 1
			if got != want {
				t.Errorf("bucket le=%v count %d, want %d", b.GetUpperBound(), got, want)
			}
		} else if got != want {
			t.Errorf("bucket le=%v count %d, want %d", b.GetUpperBound(), got, want)
		}
	}
	want := []float64{1, 2, 5, 10, 15, 30, 45, 60, 120, 300, 600, 900, 1800, 2700,
		3600, 7200, 18000, 43200, 64800, 86400}
	if !slices.Equal(bounds, want) {
		t.Fatalf("buckets %v, want %v", bounds, want)
	}
	if h.GetSampleSum() != 90 {
		t.Fatalf("sum %v, want 90", h.GetSampleSum())
	}
}

func TestUpdates(t *testing.T) {
	const pa, sa = "10.0.0.1:1234", "10.0.0.2"
	type series struct {
		metric string
		labels map[string]string
		want   float64
	}
	tests := []struct {
		name string
		do   func(m *Metrics)
		want []series // after do, on a fresh Metrics
	}{
		{"pub transferred", func(m *Metrics) { s := m.Pub(pa); s.Transferred(3, 30); s.Transferred(2, 5) },
			[]series{{"nanoq_pub_messages_total", addr(pa), 5}, {"nanoq_pub_bytes_total", addr(pa), 35}}},
		{"pub lost", func(m *Metrics) { m.Pub(pa).Lost(Overflow, 4, 400) }, []series{
			{"nanoq_pub_lost_messages_total", addrReason(pa, Overflow), 4},
			{"nanoq_pub_lost_bytes_total", addrReason(pa, Overflow), 400},
			{"nanoq_pub_lost_messages_total", addrReason(pa, Disconnected), 0}, // other reason untouched
		}},
		{"pub lost lazy reason", func(m *Metrics) { s := m.Pub(pa); s.Lost(Truncated, 1, 7); s.Lost(Truncated, 1, 7) },
			[]series{{"nanoq_pub_lost_bytes_total", addrReason(pa, Truncated), 14}}},
		{"pub reconnects", func(m *Metrics) { s := m.Pub(pa); s.Count(Reconnected); s.Count(Reconnected) },
			[]series{{"nanoq_pub_reconnects_total", addr(pa), 2}}},
		{"pub streams", func(m *Metrics) { s := m.Pub(pa); s.Opened(); s.Opened(); s.Closed(time.Second) },
			[]series{{"nanoq_pub_streams", addr(pa), 1}}},
		{"pub durations", func(m *Metrics) { s := m.Pub(pa); s.Opened(); s.Closed(time.Second); s.Closed(-time.Second) },
			[]series{{"nanoq_pub_stream_duration_seconds", addr(pa), 2}}},
		{"pub buffered", func(m *Metrics) { s := m.Pub(pa); s.Buffered(100); s.Buffered(-30) },
			[]series{{"nanoq_pub_buffered_bytes", addr(pa), 70}}},
		{"pub shares children per addr", func(m *Metrics) { m.Pub(pa).Transferred(1, 1); m.Pub(pa).Transferred(1, 1) },
			[]series{{"nanoq_pub_messages_total", addr(pa), 2}}},
		{"pub ignores AcceptError", func(m *Metrics) { m.Pub(pa).Count(AcceptError); m.Sub(sa) },
			[]series{{"nanoq_sub_accept_errors_total", addr(sa), 0}}},
		{"sub transferred", func(m *Metrics) { m.Sub(sa).Transferred(10, 1000) },
			[]series{{"nanoq_sub_messages_total", addr(sa), 10}, {"nanoq_sub_bytes_total", addr(sa), 1000}}},
		{"sub lost queue_full", func(m *Metrics) { m.Sub(sa).Lost(QueueFull, 2, 20) },
			[]series{{"nanoq_sub_lost_messages_total", addrReason(sa, QueueFull), 2}}},
		{"sub lost malformed bytes", func(m *Metrics) { m.Sub(sa).Lost(Malformed, 1, 0) },
			[]series{{"nanoq_sub_lost_bytes_total", addrReason(sa, Malformed), 0}}},
		{"sub lost lazy disconnected", func(m *Metrics) { m.Sub(sa).Lost(Disconnected, 3, 9) },
			[]series{{"nanoq_sub_lost_messages_total", addrReason(sa, Disconnected), 3}}},
		{"sub accept errors", func(m *Metrics) { m.Sub(sa).Count(AcceptError) },
			[]series{{"nanoq_sub_accept_errors_total", addr(sa), 1}}},
		{"sub streams", func(m *Metrics) { s := m.Sub(sa); s.Opened(); s.Opened() },
			[]series{{"nanoq_sub_streams", addr(sa), 2}}},
		{"sub durations", func(m *Metrics) { m.Sub(sa).Closed(time.Hour) },
			[]series{{"nanoq_sub_stream_duration_seconds", addr(sa), 1}}},
		{"sub buffered", func(m *Metrics) { s := m.Sub(sa); s.Buffered(64); s.Buffered(-64); s.Buffered(8) },
			[]series{{"nanoq_sub_buffered_bytes", addr(sa), 8}}},
		{"sub ignores Reconnected", func(m *Metrics) { m.Sub(sa).Count(Reconnected); m.Pub(pa) },
			[]series{{"nanoq_pub_reconnects_total", addr(pa), 0}}},
		{"sides are apart", func(m *Metrics) { m.Sub(pa).Transferred(5, 5); m.Pub(pa) },
			[]series{{"nanoq_pub_messages_total", addr(pa), 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, reg := newTest(t)
			tt.do(m)
			for _, w := range tt.want {
				if got := value(t, reg, w.metric, w.labels); got != w.want {
					t.Errorf("%s%v = %v, want %v", w.metric, w.labels, got, w.want)
				}
			}
		})
	}
}

// TestEagerReasons checks which lost series exist before any loss.
func TestEagerReasons(t *testing.T) {
	tests := []struct {
		name   string
		handle func(m *Metrics) *Addr
		metric string
		eager  []Reason
	}{
		{"pub", func(m *Metrics) *Addr { return m.Pub("a:1") }, "nanoq_pub_lost_messages_total", pubReasons},
		{"sub", func(m *Metrics) *Addr { return m.Sub("a") }, "nanoq_sub_lost_messages_total", subReasons},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, reg := newTest(t)
			s := tt.handle(m)
			for r := range NumReasons {
				labels := map[string]string{labelAddr: s.addr, labelReason: r.String()}
				exists := find(t, reg, tt.metric, labels) != nil
				if want := slices.Contains(tt.eager, r); exists != want {
					t.Errorf("reason %v: series exists=%v, want %v", r, exists, want)
				}
			}
		})
	}
}

func TestLostInvalidReasonPanics(t *testing.T) {
	m, _ := newTest(t)
	s := m.Pub("a:1")
	defer func() {
		if recover() == nil {
			t.Fatal("Lost(NumReasons) did not panic")
		}
	}()
	s.Lost(NumReasons, 1, 1)
}

func TestNilSafe(t *testing.T) {
	var m *Metrics
	for _, s := range []*Addr{m.Pub("a:1"), m.Sub("a")} {
		if s != nil {
			t.Fatalf("nil Metrics gave a non-nil Stream")
		}
		s.Transferred(1, 1)
		s.Lost(Overflow, 1, 1)
		s.Lost(NumReasons, 1, 1) // nil: no panic either
		s.Opened()
		s.Closed(time.Second)
		s.Count(Reconnected)
		s.Buffered(-1)
		s.Count(AcceptError)
	}
}
