package harness

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// stampedAgo returns a payload whose stamp lies d in the past.
func stampedAgo(d time.Duration, size int) []byte {
	p := make([]byte, size)
	binary.LittleEndian.PutUint64(p, uint64(time.Now().Add(-d).UnixNano()))
	return p
}

func TestRecorderPercentiles(t *testing.T) {
	r := NewRecorder()
	// 1..1000 ms, shuffled over shards: p50 ≈ 500 ms, p90 ≈ 900 ms,
	// p99 ≈ 990 ms, max ≈ 1000 ms. Recording adds a few µs at most.
	for i := 1; i <= 1000; i++ {
		r.RecordStream(stampedAgo(time.Duration(i)*time.Millisecond, 10), uint32(i*7))
	}
	var res Result
	r.Fill(&res)
	if res.Received != 1000 {
		t.Fatalf("received = %d, want 1000", res.Received)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"p50", res.LatencyUS.P50, 500_000},
		{"p90", res.LatencyUS.P90, 900_000},
		{"p99", res.LatencyUS.P99, 990_000},
		{"p999", res.LatencyUS.P999, 999_000},
		{"max", res.LatencyUS.Max, 1_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 3 significant digits plus the recording delay: within 0.5%.
			if math.Abs(tt.got-tt.want) > tt.want*0.005 {
				t.Fatalf("%s = %.0f µs, want %.0f ± 0.5%%", tt.name, tt.got, tt.want)
			}
		})
	}
}

func TestRecorderClampsAndCounts(t *testing.T) {
	r := NewRecorder()
	future := make([]byte, 8)
	binary.LittleEndian.PutUint64(future, uint64(time.Now().Add(time.Hour).UnixNano()))
	r.Record(future)                        // negative latency: clamped to 1 µs
	r.Record(stampedAgo(2*time.Minute, 16)) // above 60 s: clamped to 60 s
	r.Record([]byte{1, 2, 3})               // too short: counted, no latency
	msgs, n, _ := r.Snapshot()
	if msgs != 3 || n != 8+16+3 {
		t.Fatalf("snapshot = %d msgs %d bytes, want 3 msgs 27 bytes", msgs, n)
	}
	h := r.Histogram()
	if h.TotalCount() != 2 {
		t.Fatalf("histogram count = %d, want 2", h.TotalCount())
	}
	if h.Min() != 1 || h.Max() < 59_900_000 {
		t.Fatalf("min %d max %d, want 1 and ~60e6", h.Min(), h.Max())
	}
}

func TestRecorderWindowAndRates(t *testing.T) {
	r := NewRecorder()
	if !r.LastArrival().IsZero() {
		t.Fatal("LastArrival before any message is not zero")
	}
	p := stampedAgo(0, 1000)
	r.Record(p)
	time.Sleep(20 * time.Millisecond) // the window under test, not a synchronization
	r.Record(p)
	var res Result
	r.Fill(&res)
	if res.WindowS < 0.019 || res.WindowS > 1 {
		t.Fatalf("window = %v s, want ≈ 0.02", res.WindowS)
	}
	if want := 2 / res.WindowS; math.Abs(res.MsgsPerS-want) > 1e-6 {
		t.Fatalf("msgs/s = %v, want %v", res.MsgsPerS, want)
	}
	if want := 2000 / res.WindowS / 1e6; math.Abs(res.MBPerS-want) > 1e-9 {
		t.Fatalf("MB/s = %v, want %v", res.MBPerS, want)
	}
}

// Warm-up messages count as received, and in nothing else: not the window,
// the rates, the bytes or the latencies.
func TestRecorderWarmUp(t *testing.T) {
	r := NewRecorder()
	w := make([]byte, 100)
	StampWarm(w)
	r.RecordStream(w, 1)
	r.RecordStream(w, 2)
	if !r.LastArrival().IsZero() {
		t.Fatal("a warm-up message set LastArrival")
	}
	p := stampedAgo(time.Millisecond, 100)
	r.Record(p)
	time.Sleep(10 * time.Millisecond) // the window under test, not a synchronization
	r.Record(p)
	var res Result
	r.Fill(&res)
	if res.Received != 4 || res.WarmUp != 2 {
		t.Fatalf("received %d, warm-up %d: want 4 and 2", res.Received, res.WarmUp)
	}
	if want := 2 / res.WindowS; math.Abs(res.MsgsPerS-want) > 1e-6 {
		t.Fatalf("msgs/s = %v, want %v (the two measured messages)", res.MsgsPerS, want)
	}
	if want := 200 / res.WindowS / 1e6; math.Abs(res.MBPerS-want) > 1e-9 {
		t.Fatalf("MB/s = %v, want %v", res.MBPerS, want)
	}
	if n := r.Histogram().TotalCount(); n != 2 {
		t.Fatalf("%d latency samples, want 2", n)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			p := stampedAgo(time.Millisecond, 8)
			for range 1000 {
				r.RecordStream(p, uint32(g))
			}
		})
	}
	wg.Wait()
	if msgs, _, _ := r.Snapshot(); msgs != 4000 {
		t.Fatalf("msgs = %d, want 4000", msgs)
	}
	if c := r.Histogram().TotalCount(); c != 4000 {
		t.Fatalf("histogram count = %d, want 4000", c)
	}
	r.Reset()
	if msgs, n, w := r.Snapshot(); msgs != 0 || n != 0 || w != 0 || r.Histogram().TotalCount() != 0 || !r.LastArrival().IsZero() {
		t.Fatalf("after Reset: %d msgs %d bytes window %v", msgs, n, w)
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	in := Result{
		Transport: "nanoq", Role: RoleBoth, Streams: 100, SizeMin: 100, SizeMax: 200, Rate: 5000, DurationS: 10,
		Published: 123, Received: 120, LostCounted: map[string]int64{"overflow": 3},
		MsgsPerS: 1.2e7, MBPerS: 1200, LatencyUS: Latency{P50: 1, P90: 2, P99: 3, P999: 4, Max: 5},
		CPUSPerMillion: 0.8, IdleCPUCores: 0.001, PeakRSSKiB: 12345, RSSPerStreamKiB: 1.2, Goroutines: 12,
	}
	var buf bytes.Buffer
	if err := in.Write(&buf, true); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 || !strings.HasSuffix(buf.String(), "}\n") {
		t.Fatalf("not one JSON line: %q", buf.String())
	}
	var generic map[string]any
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"transport", "role", "streams", "size_min", "size_max", "rate", "duration_s",
		"published", "received", "lost_counted", "msgs_per_s", "mb_per_s", "latency_us",
		"cpu_s_per_million", "idle_cpu_cores", "peak_rss_kib", "rss_per_stream_kib", "goroutines"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var out Result
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.LostCounted["overflow"] != 3 || out.LatencyUS != in.LatencyUS || out.Published != 123 || out.Goroutines != 12 {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

func TestResultWriteEmptyLostAndTable(t *testing.T) {
	r := Result{Transport: "go", Role: RoleSub}
	var buf bytes.Buffer
	if err := r.Write(&buf, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"lost_counted":{}`) {
		t.Fatalf("nil LostCounted not written as {}: %s", buf.String())
	}
	buf.Reset()
	r.LostCounted = map[string]int64{"overflow": 2, "disconnected": 1}
	if err := r.Write(&buf, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "disconnected=1, overflow=2") {
		t.Fatalf("table lacks the sorted losses:\n%s", buf.String())
	}
}
