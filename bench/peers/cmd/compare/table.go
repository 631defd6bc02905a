package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/nanoq/nq/bench/harness"
)

// metric is one line of the table: a figure of every transport's outcome.
type metric struct {
	name string
	// value returns the figure, ok=false when the outcome lacks it.
	value func(o outcome) (v float64, ok bool)
	// format renders a present value; nil means formatNum.
	format func(o outcome, v float64) string
	// noRatio leaves the ours/peer columns empty.
	noRatio bool
}

// metricsOf returns the lines a row of kind k reports.
func metricsOf(k kind) []metric {
	loss := metric{name: "loss: published − received", value: lossValue, format: formatLoss, noRatio: true}
	cpuPub := metric{name: "CPU s per M msgs, pub ↓", value: pubField(func(r *harness.Result) float64 { return r.CPUSPerMillion }), format: fixed(3)}
	cpuSub := metric{name: "CPU s per M msgs, sub ↓", value: subField(func(r *harness.Result) float64 { return r.CPUSPerMillion }), format: fixed(3)}
	rss := metric{name: "peak RSS MiB, pub / sub (ratio of sums) ↓", value: rssSum, format: formatRSS}
	// What each side asked of the kernel (harness.Costs); absent from
	// results that predate them.
	costs := []metric{
		{name: "bytes per write, pub ↑", value: nonzero(pubField(func(r *harness.Result) float64 { return r.BytesPerWrite })), format: fixed(0)},
		{name: "bytes per read, sub ↑", value: nonzero(subField(func(r *harness.Result) float64 { return r.BytesPerRead })), format: fixed(0)},
		{name: "wake-ups/s, pub ↓", value: nonzero(pubField(func(r *harness.Result) float64 { return r.WakeupsPerS })), format: fixed(0)},
		{name: "wake-ups/s, sub ↓", value: nonzero(subField(func(r *harness.Result) float64 { return r.WakeupsPerS })), format: fixed(0)},
	}
	switch k {
	case kindBandwidth:
		return []metric{
			{name: "MB/s received ↑", value: subField(func(r *harness.Result) float64 { return r.MBPerS }), format: fixed(0)},
			{name: "msgs/s received ↑", value: subField(func(r *harness.Result) float64 { return r.MsgsPerS })},
			loss, cpuPub, cpuSub, rss, costs[0], costs[1], costs[2], costs[3],
		}
	case kindLatency:
		lat := func(name string, f func(l harness.Latency) float64) metric {
			return metric{name: name, value: subField(func(r *harness.Result) float64 { return f(r.LatencyUS) }), format: fixed(0)}
		}
		return []metric{
			lat("latency p50 µs ↓", func(l harness.Latency) float64 { return l.P50 }),
			lat("latency p99 µs ↓", func(l harness.Latency) float64 { return l.P99 }),
			lat("latency p99.9 µs ↓", func(l harness.Latency) float64 { return l.P999 }),
			loss, cpuPub, cpuSub,
		}
	case kindIdle:
		return []metric{
			{name: "idle CPU cores, pub ↓", value: pubField(func(r *harness.Result) float64 { return r.IdleCPUCores }), format: fixed(4)},
			{name: "idle CPU cores, sub ↓", value: subField(func(r *harness.Result) float64 { return r.IdleCPUCores }), format: fixed(4)},
			{name: "RSS KiB per idle stream, pub ↓", value: pubField(func(r *harness.Result) float64 { return r.RSSPerStreamKiB }), format: fixed(1)},
			{name: "RSS KiB per idle stream, sub ↓", value: subField(func(r *harness.Result) float64 { return r.RSSPerStreamKiB }), format: fixed(1)},
			loss,
		}
	default:
		return []metric{
			{name: "msgs/s received ↑", value: subField(func(r *harness.Result) float64 { return r.MsgsPerS })},
			loss, cpuPub, cpuSub, rss, costs[0], costs[1], costs[2], costs[3],
		}
	}
}

// nonzero reports a zero figure as absent.
func nonzero(f func(o outcome) (float64, bool)) func(o outcome) (float64, bool) {
	return func(o outcome) (float64, bool) {
		v, ok := f(o)
		return v, ok && v != 0
	}
}

func pubField(f func(r *harness.Result) float64) func(o outcome) (float64, bool) {
	return func(o outcome) (float64, bool) {
		if o.pub == nil {
			return 0, false
		}
		return f(o.pub), true
	}
}

func subField(f func(r *harness.Result) float64) func(o outcome) (float64, bool) {
	return func(o outcome) (float64, bool) {
		if o.sub == nil {
			return 0, false
		}
		return f(o.sub), true
	}
}

// lossValue is published − received; it needs both sides.
func lossValue(o outcome) (float64, bool) {
	if o.pub == nil || o.sub == nil {
		return 0, false
	}
	return float64(o.pub.Published - o.sub.Received), true
}

// formatLoss renders "N (x %)", plus the part the transport counted itself
// (the publisher's and the subscriber's lost_counted).
func formatLoss(o outcome, lost float64) string {
	s := fmt.Sprintf("%.0f (%s %%)", lost, percent(lost, float64(o.pub.Published)))
	var counted int64
	for _, m := range []map[string]int64{o.pub.LostCounted, o.sub.LostCounted} {
		for _, n := range m {
			counted += n
		}
	}
	if counted > 0 {
		s += fmt.Sprintf(", %d counted", counted)
	}
	return s
}

// percent renders part/whole as a percentage with useful precision.
func percent(part, whole float64) string {
	if whole <= 0 {
		return "–"
	}
	p := 100 * part / whole
	switch {
	case p == 0:
		return "0"
	case math.Abs(p) < 0.01:
		return fmt.Sprintf("%.4f", p)
	case math.Abs(p) < 1:
		return fmt.Sprintf("%.2f", p)
	}
	return fmt.Sprintf("%.1f", p)
}

// rssSum is the sum of both sides' peak RSS (the ratio compares it).
func rssSum(o outcome) (float64, bool) {
	if o.pub == nil || o.sub == nil {
		return 0, false
	}
	return float64(o.pub.PeakRSSKiB + o.sub.PeakRSSKiB), true
}

func formatRSS(o outcome, _ float64) string {
	return fmt.Sprintf("%.0f / %.0f", float64(o.pub.PeakRSSKiB)/1024, float64(o.sub.PeakRSSKiB)/1024)
}

// fixed formats with a fixed number of decimals.
func fixed(decimals int) func(outcome, float64) string {
	return func(_ outcome, v float64) string { return fmt.Sprintf("%.*f", decimals, v) }
}

// formatNum renders a large count with a k or M suffix.
func formatNum(_ outcome, v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%.2f M", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.0f k", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// formatRatio renders ours/peer, or "–" when either is missing or zero.
func formatRatio(ours, peer float64, okOurs, okPeer bool) string {
	if !okOurs || !okPeer || peer == 0 || ours == 0 {
		return "–"
	}
	r := ours / peer
	if r >= 100 || r < 0.01 {
		return fmt.Sprintf("%.3g×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// writeTable prints the markdown table of every row's outcomes
// (results[row][transport]), then the failures.
func writeTable(w io.Writer, rows []row, ts []transport, results [][]outcome) {
	// Ratio columns: nanoq over each peer, nanoq-seed over nanoq (the
	// seed's API against handler delivery) and over plain Go.
	type ratio struct{ a, b int }
	var ratios []ratio
	header := []string{"scenario", "metric"}
	idx := map[string]int{}
	for i, t := range ts {
		header = append(header, t.name)
		idx[t.name] = i
	}
	if ours, ok := idx["nanoq"]; ok {
		for i, t := range ts {
			if !strings.HasPrefix(t.name, "nanoq") {
				ratios = append(ratios, ratio{ours, i})
			}
		}
	}
	if seed, ok := idx["nanoq-seed"]; ok {
		for _, peer := range []string{"nanoq", "go"} {
			if i, ok := idx[peer]; ok {
				ratios = append(ratios, ratio{seed, i})
			}
		}
	}
	for _, r := range ratios {
		header = append(header, ts[r.a].name+"/"+ts[r.b].name)
	}
	line := func(cells []string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
		if i >= 2 {
			sep[i] = "---:"
		}
	}
	line(sep)
	for ri, r := range rows {
		for mi, m := range metricsOf(r.kind) {
			cells := []string{"", m.name}
			if mi == 0 {
				cells[0] = "**" + r.title + "**"
			}
			vals := make([]float64, len(ts))
			oks := make([]bool, len(ts))
			for ti := range ts {
				o := results[ri][ti]
				vals[ti], oks[ti] = m.value(o)
				cells = append(cells, formatCell(m, o, vals[ti], oks[ti]))
			}
			for _, r := range ratios {
				if m.noRatio {
					cells = append(cells, "")
					continue
				}
				cells = append(cells, formatRatio(vals[r.a], vals[r.b], oks[r.a], oks[r.b]))
			}
			line(cells)
		}
	}
	var failures []string
	for ri, r := range rows {
		for ti, t := range ts {
			if err := results[ri][ti].err; err != nil {
				failures = append(failures, fmt.Sprintf("- %s, %s: %v", r.title, t.name, oneLine(err.Error())))
			}
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(w, "\nFailures:\n%s\n", strings.Join(failures, "\n"))
	}
}

// formatCell renders one transport's figure.
func formatCell(m metric, o outcome, v float64, ok bool) string {
	switch {
	case o.skipped != "":
		return o.skipped
	case !ok && o.err != nil:
		return "failed"
	case !ok:
		return "–"
	case m.format != nil:
		return m.format(o, v)
	}
	return formatNum(o, v)
}

// oneLine folds an error's lines so it fits a markdown list item.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
