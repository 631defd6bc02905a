package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Latency holds latency percentiles in microseconds.
type Latency struct {
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999,omitempty"`
	Max   float64 `json:"max"`
}

// Result is the JSON object one benchmark process prints (benchspec.md).
// Fields that do not apply to a role stay 0; the last block holds extras
// beyond the contract, omitted when zero.
type Result struct {
	Transport string  `json:"transport"` // nanoq, zmq, nats or go
	Role      string  `json:"role"`      // both, pub or sub
	Streams   int     `json:"streams"`
	SizeMin   int     `json:"size_min"`
	SizeMax   int     `json:"size_max"`
	Rate      float64 `json:"rate"`
	DurationS float64 `json:"duration_s"`

	Published   int64            `json:"published"`         // pub/both: messages the transport accepted
	Received    int64            `json:"received"`          // sub/both: messages delivered to the user
	WarmUp      int64            `json:"warm_up,omitempty"` // sub/both: the warm-up messages among Received (StampWarm), outside every rate and latency
	LostCounted map[string]int64 `json:"lost_counted"`      // drops the transport counted, by reason
	MsgsPerS    float64          `json:"msgs_per_s"`        // received / receive window
	MBPerS      float64          `json:"mb_per_s"`          // payload bytes / receive window / 1e6
	LatencyUS   Latency          `json:"latency_us"`

	CPUSPerMillion  float64 `json:"cpu_s_per_million"`  // CPU seconds per million messages
	IdleCPUCores    float64 `json:"idle_cpu_cores"`     // idle mode: CPU seconds / idle window
	PeakRSSKiB      int64   `json:"peak_rss_kib"`       // VmHWM
	RSSPerStreamKiB float64 `json:"rss_per_stream_kib"` // idle mode: RSS growth per stream
	// Idle mode: live heap growth per stream (runtime.MemStats.HeapAlloc
	// and HeapObjects), the part of RSSPerStreamKiB that is Go objects.
	HeapPerStreamB   float64 `json:"heap_per_stream_b,omitempty"`
	ObjectsPerStream float64 `json:"objects_per_stream,omitempty"`
	Goroutines       int     `json:"goroutines"` // at the end of the traffic

	WindowS       float64 `json:"window_s,omitempty"`       // first to last arrival
	CPUS          float64 `json:"cpu_s,omitempty"`          // user+sys CPU seconds of the measured part
	IdleS         float64 `json:"idle_s,omitempty"`         // idle mode: the silent window
	PublishErrors int64   `json:"publish_errors,omitempty"` // Publish calls that returned an error
	MaxBufferKiB  int64   `json:"max_buffer_kib,omitempty"` // per-stream publisher buffer bound

	// What the process asked of the kernel while it ran (Costs.Fill):
	// read- and write-family system calls per second and bytes per call
	// (/proc/self/io, every such call of the process), and voluntary
	// context switches per second (about one per thread wake-up).
	WritesPerS    float64 `json:"writes_per_s,omitempty"`
	BytesPerWrite float64 `json:"bytes_per_write,omitempty"`
	ReadsPerS     float64 `json:"reads_per_s,omitempty"`
	BytesPerRead  float64 `json:"bytes_per_read,omitempty"`
	WakeupsPerS   float64 `json:"wakeups_per_s,omitempty"`

	OutageS           float64 `json:"outage_s,omitempty"`             // -outage: how long the subscriber was away
	OutagePeakRSSKiB  int64   `json:"outage_peak_rss_kib,omitempty"`  // -outage: peak VmRSS sampled while it was away
	OutagePeakHeapKiB int64   `json:"outage_peak_heap_kib,omitempty"` // -outage: peak live heap objects sampled then
}

// Write prints r as one JSON line when asJSON, else as a readable table.
// A nil LostCounted is written as {}.
func (r *Result) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		c := *r
		if c.LostCounted == nil {
			c.LostCounted = map[string]int64{}
		}
		b, err := json.Marshal(&c)
		if err != nil {
			return fmt.Errorf("nanoq: encode result: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, v ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, v...)...) }
	size := fmt.Sprint(r.SizeMin)
	if r.SizeMax != r.SizeMin {
		size = fmt.Sprintf("%d-%d", r.SizeMin, r.SizeMax)
	}
	row("transport / role", "%s / %s", r.Transport, r.Role)
	row("streams, size", "%d streams, %s bytes", r.Streams, size)
	rate := "as fast as possible"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%.0f msgs/s", r.Rate)
	}
	row("duration, rate", "%.1f s, %s", r.DurationS, rate)
	if r.MaxBufferKiB > 0 {
		row("max buffer", "%d KiB per stream", r.MaxBufferKiB)
	}
	row("published", "%d", r.Published)
	row("received", "%d", r.Received)
	if r.Published > 0 && r.Role == RoleBoth {
		row("lost (pub - recv)", "%d (%.3f%%)", r.Published-r.Received, 100*float64(r.Published-r.Received)/float64(r.Published))
	}
	row("lost counted", "%s", formatLost(r.LostCounted))
	if r.PublishErrors > 0 {
		row("publish errors", "%d", r.PublishErrors)
	}
	if r.Received > 0 {
		row("throughput", "%.0f msgs/s, %.2f MB/s over %.2f s", r.MsgsPerS, r.MBPerS, r.WindowS)
		l := r.LatencyUS
		row("latency µs", "p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  p99.99 %.0f  max %.0f", l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max)
	}
	row("cpu", "%.3f s per million messages (%.2f s)", r.CPUSPerMillion, r.CPUS)
	if r.WritesPerS > 0 || r.ReadsPerS > 0 {
		row("system calls", "%.0f writes/s of %.0f B, %.0f reads/s of %.0f B", r.WritesPerS, r.BytesPerWrite, r.ReadsPerS, r.BytesPerRead)
		row("wake-ups", "%.0f/s (voluntary context switches)", r.WakeupsPerS)
	}
	if r.IdleS > 0 {
		row("idle", "%.4f cores over %.1f s, %.2f KiB RSS per stream (live heap %.0f B in %.1f objects)", r.IdleCPUCores, r.IdleS, r.RSSPerStreamKiB, r.HeapPerStreamB, r.ObjectsPerStream)
	}
	row("peak rss", "%d KiB", r.PeakRSSKiB)
	if r.OutageS > 0 {
		row("outage", "subscriber away %.1f s: peak rss %d KiB, peak heap %d KiB", r.OutageS, r.OutagePeakRSSKiB, r.OutagePeakHeapKiB)
	}
	row("goroutines", "%d", r.Goroutines)
	return tw.Flush()
}

// formatLost renders loss counts as "reason=n, ..." in reason order.
func formatLost(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}
