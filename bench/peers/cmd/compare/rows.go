package main

import (
	"fmt"
	"strings"
	"time"
)

// kind says which figures a row reports.
type kind int

const (
	kindThroughput kind = iota // msgs/s
	kindBandwidth              // MB/s
	kindLatency                // paced: p50/p99
	kindIdle                   // idle CPU and RSS per stream
)

// row is one scenario of the comparison, run for every transport.
type row struct {
	id      string // the -rows name
	title   string // the table's first column
	streams int
	size    int
	rate    float64 // total msgs/s; 0 = as fast as possible
	steady  bool    // pace with -steady: sends evenly spaced, not in bursts
	kind    kind
	skip    string   // comma-separated transports this row does not run, and why after a colon
	nq      []string // flags for the nanoQ transports only, after the row's own
}

// allRows are the scenarios in table order.
var allRows = []row{
	{id: "1x100", title: "1 stream × 100 B", streams: 1, size: 100, kind: kindThroughput},
	{id: "100x100", title: "100 streams × 100 B", streams: 100, size: 100, kind: kindThroughput},
	{id: "1000x100", title: "1,000 streams × 100 B", streams: 1000, size: 100, kind: kindThroughput},
	{id: "10000x100", title: "10,000 streams × 100 B", streams: 10000, size: 100, kind: kindThroughput,
		skip: "zmq,nats: not run"}, // at 1,000 streams they carry under 0.3 M msgs/s, NATS in 1.4 GiB
	// The same with the publisher's memory bound raised from its 64 MiB
	// default to 384 MiB, which puts its peak RSS near plain Go's (64 KiB
	// of bufio per connection: about 650 MiB): the two at equal memory.
	{id: "10000x100-mem", title: "10,000 streams × 100 B, 384 MiB", streams: 10000, size: 100, kind: kindThroughput,
		skip: "zmq,nats: not run", nq: []string{"-buffertotal", "402653184"}},
	{id: "1x64k", title: "1 stream × 64 KiB", streams: 1, size: 64 << 10, kind: kindBandwidth},
	{id: "latency", title: "latency at 10,000 msgs/s (1 × 100 B)", streams: 1, size: 100, rate: 10_000, kind: kindLatency},
	{id: "latency-steady", title: "latency at 10,000 msgs/s, steady pacing (1 × 100 B)", streams: 1, size: 100, rate: 10_000, kind: kindLatency, steady: true},
	// Many streams at a moderate rate: each message is about one write and one
	// read, so the tail shows how each transport shares two busy cores.
	{id: "latency-1000", title: "latency, 1,000 streams at 50,000 msgs/s (100 B)", streams: 1000, size: 100, rate: 50_000, kind: kindLatency},
	{id: "idle", title: "idle, 5,000 streams", streams: 5000, size: 100, kind: kindIdle},
}

// args are the benchmark flags of r shared by both sides of a run of
// transport t.
func (r row) args(t string, duration, idle time.Duration) []string {
	a := []string{
		"-streams", fmt.Sprint(r.streams),
		"-size", fmt.Sprint(r.size),
		"-duration", duration.String(),
		"-json",
	}
	if r.rate > 0 {
		a = append(a, "-rate", fmt.Sprint(r.rate))
	}
	if r.steady {
		a = append(a, "-steady")
	}
	if r.kind == kindIdle {
		a = append(a, "-idle", idle.String())
	}
	if t == "nanoq" || t == "nanoq-seed" {
		a = append(a, r.nq...)
	}
	return a
}

// selectRows returns the rows named in list (comma-separated ids), in
// table order; "" or "all" selects every row.
func selectRows(list string) ([]row, error) {
	if list == "" || list == "all" {
		return allRows, nil
	}
	want := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		want[strings.TrimSpace(id)] = true
	}
	var out []row
	for _, r := range allRows {
		if want[r.id] {
			out = append(out, r)
			delete(want, r.id)
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("unknown rows %v (have %s)", keys(want), rowIDs())
	}
	return out, nil
}

// rowIDs lists every row id, for messages.
func rowIDs() string {
	ids := make([]string, len(allRows))
	for i, r := range allRows {
		ids[i] = r.id
	}
	return strings.Join(ids, ",")
}

// skips returns why r does not run transport t, or "".
func (r row) skips(t string) string {
	names, why, _ := strings.Cut(r.skip, ":")
	for _, n := range strings.Split(names, ",") {
		if n == t {
			return strings.TrimSpace(why)
		}
	}
	return ""
}
