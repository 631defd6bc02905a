// Command compare runs nanoQ's benchmark binary (nqbench) and the peers
// (zmqbench, natsbench, gobench) one after another over the same scenarios,
// each as a subscriber process and a publisher process, and prints one
// markdown table of their figures, their loss and the ratios ours/peer.
//
// For every row and transport it starts "-role sub -url <listen URL>", reads
// the address the subscriber bound from its "READY <url>" stderr line,
// starts "-role pub -url <that>", and merges the two JSON results. Loss is
// published (pub side) minus received (sub side), shown whether or not the
// transport counted it.
//
// bench/compare.sh builds everything and calls it; run it with -h for the
// flags.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// config holds the flags.
type config struct {
	nqbench   string            // path of nqbench
	bindir    string            // directory of the peer binaries
	nqFlags   string            // extra flags for nqbench
	peerFlags map[string]string // extra flags per peer transport
	duration  time.Duration     // -duration of every row
	idle      time.Duration     // -idle of the idle row
	only      string            // transports to run
	rows      string            // rows to run
	transport string            // tcp or unix
	out       string            // also write the table here
	raw       string            // write every JSON result here, one per line
	from      string            // read the results from this -raw file instead of running
	chart     string            // write the charts to <chart>-throughput.svg and <chart>-latency.svg
	chartFmt  string            // svg or png
	pause     time.Duration     // between runs
	verbose   bool
}

func main() {
	c := config{peerFlags: map[string]string{}}
	self, _ := os.Executable()
	flag.StringVar(&c.nqbench, "nqbench", "", "path of the nqbench binary (needed for the nanoq column)")
	flag.StringVar(&c.bindir, "bindir", filepath.Dir(self), "directory holding zmqbench, natsbench and gobench")
	flag.StringVar(&c.nqFlags, "nq-flags", "-delivery handler", "extra flags passed to both nqbench processes")
	for _, p := range []string{"zmq", "nats", "go"} {
		flag.Func(p+"-flags", "extra flags passed to both "+peerBinary[p]+" processes", func(s string) error {
			c.peerFlags[p] = s
			return nil
		})
	}
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long each publisher publishes, per row")
	flag.DurationVar(&c.idle, "idle", 10*time.Second, "the idle row's silent window")
	flag.StringVar(&c.only, "only", "", "comma-separated transports to run: nanoq,nanoq-seed,zmq,nats,go (default all)")
	flag.StringVar(&c.rows, "rows", "", "comma-separated rows to run: "+rowIDs()+" (default all)")
	flag.StringVar(&c.transport, "transport", "tcp", "tcp (127.0.0.1, port 0) or unix (sockets in a temp dir; nats is skipped)")
	flag.StringVar(&c.out, "out", "", "also write the table to this file")
	flag.StringVar(&c.raw, "raw", "", "write every process's JSON result to this file, one per line")
	flag.StringVar(&c.from, "from", "", "run nothing: read the results of an earlier run's -raw file, print its table and write -chart")
	flag.StringVar(&c.chart, "chart", "", "write charts: PREFIX-throughput.svg (msgs/s per scenario and transport) and PREFIX-latency.svg (percentile curves)")
	flag.StringVar(&c.chartFmt, "chart-format", "svg", "svg|png: the charts' format")
	flag.DurationVar(&c.pause, "pause", time.Second, "pause between runs, letting sockets and CPU settle")
	flag.BoolVar(&c.verbose, "v", false, "echo the benchmark processes' stderr")
	flag.Parse()
	if err := run(&c); err != nil {
		fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		os.Exit(1)
	}
}

func run(c *config) error {
	if c.chartFmt != "svg" && c.chartFmt != "png" {
		return fmt.Errorf("-chart-format %q: want svg or png", c.chartFmt)
	}
	if c.from != "" {
		rows, ts, results, err := loadRaw(c.from)
		if err != nil {
			return err
		}
		return report(c, rows, ts, results, 0)
	}
	if c.transport != "tcp" && c.transport != "unix" {
		return fmt.Errorf("-transport %q: want tcp or unix", c.transport)
	}
	rows, err := selectRows(c.rows)
	if err != nil {
		return err
	}
	ts, err := selectTransports(c)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if _, err := os.Stat(t.bin); err != nil {
			return fmt.Errorf("transport %s: %w", t.name, err)
		}
	}
	var raw io.Writer = io.Discard
	if c.raw != "" {
		f, err := os.Create(c.raw)
		if err != nil {
			return err
		}
		defer f.Close()
		raw = f
	}
	tmp, err := os.MkdirTemp("", "nqcompare")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	started := time.Now()
	results := make([][]outcome, len(rows))
	for ri, r := range rows {
		results[ri] = make([]outcome, len(ts))
		for ti, t := range ts {
			o := &results[ri][ti]
			if c.transport == "unix" && t.tcp {
				o.skipped = "tcp only"
				continue
			}
			if why := r.skips(t.name); why != "" {
				o.skipped = why
				continue
			}
			url := "tcp4://127.0.0.1:0"
			if c.transport == "unix" {
				url = "unix://" + filepath.Join(tmp, fmt.Sprintf("%s-%s.sock", r.id, t.name))
			}
			budget := c.duration
			if r.kind == kindIdle {
				budget += 2 * c.idle // nqbench holds its connections as long again after measuring
			}
			fmt.Fprintf(os.Stderr, "compare: %-8s %-6s ... ", r.id, t.name)
			t0 := time.Now()
			*o = runPair(t, url, r.args(t.name, c.duration, c.idle), budget, c.verbose)
			status := "ok"
			if o.err != nil {
				status = "FAILED"
			}
			fmt.Fprintf(os.Stderr, "%s in %.1f s\n", status, time.Since(t0).Seconds())
			for _, res := range []any{o.pub, o.sub} {
				if b, err := json.Marshal(res); err == nil && string(b) != "null" {
					fmt.Fprintf(raw, "{\"row\":%q,\"transport\":%q,\"result\":%s}\n", r.id, t.name, b)
				}
			}
			time.Sleep(c.pause)
		}
	}

	return report(c, rows, ts, results, time.Since(started))
}

// report prints the table (and writes it to -out) and the charts (-chart).
// took is how long the runs took; 0 for results read with -from.
func report(c *config, rows []row, ts []transport, results [][]outcome, took time.Duration) error {
	var b strings.Builder
	if took > 0 {
		writeHeader(&b, c, ts, took)
	} else {
		fmt.Fprintf(&b, "Results read from %s.\n\n", c.from)
	}
	writeTable(&b, rows, ts, results)
	os.Stdout.WriteString(b.String())
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if c.chart != "" {
		files, err := writeCharts(c.chart, c.chartFmt, rows, ts, results)
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintf(os.Stderr, "compare: wrote %s\n", f)
		}
	}
	return nil
}

// writeHeader states what was run, on what, and how to read the table.
func writeHeader(w io.Writer, c *config, ts []transport, took time.Duration) {
	host, _ := os.Hostname()
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.name
		if len(t.extra) > 0 {
			names[i] += " (" + strings.Join(t.extra, " ") + ")"
		}
	}
	fmt.Fprintf(w, "nanoQ vs peers — %s, %s/%s, %d CPUs, %s, %s; %s over 127.0.0.1 loopback unless unix; "+
		"-duration %v per row, idle window %v; took %.0f s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), host,
		c.transport, c.duration, c.idle, took.Seconds())
	fmt.Fprintf(w, "Transports: %s. Each run is two processes (publisher, subscriber). "+
		"↑ higher is better, ↓ lower is better; nanoq/peer is the ratio of the two figures. "+
		"Loss is published − received; \"counted\" is the part the transport reported itself "+
		"(libzmq counts none of its high-water-mark drops).\n\n", strings.Join(names, ", "))
}
