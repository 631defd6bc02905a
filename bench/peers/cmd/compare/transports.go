package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// transport is one binary under comparison.
type transport struct {
	name  string   // nanoq, zmq, nats, go: the column name and JSON "transport"
	bin   string   // executable path
	extra []string // flags passed to both sides before the benchmark flags
	tcp   bool     // tcp only (no unix sockets)
}

// transportOrder is the column order; nanoq comes first as "ours".
// nanoq-seed is nanoQ used as the seed's quick start does: one goroutine
// calling Receive, and a publisher that publishes flat out (nqbench
// -delivery receive -overrun), letting drop-oldest discard what does not fit.
var transportOrder = []string{"nanoq", "nanoq-seed", "zmq", "nats", "go"}

// seedFlags are nanoq-seed's flags, after -nq-flags.
var seedFlags = []string{"-delivery", "receive", "-receivers", "1", "-overrun"}

// peerBinary maps a peer transport to its binary's name.
var peerBinary = map[string]string{"zmq": "zmqbench", "nats": "natsbench", "go": "gobench"}

// selectTransports builds the transports named in only (comma-separated;
// "" = all) from the binaries and extra flags of the configuration.
func selectTransports(c *config) ([]transport, error) {
	want := transportOrder
	if c.only != "" {
		want = nil
		for _, n := range strings.Split(c.only, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(transportOrder, n) {
				return nil, fmt.Errorf("unknown transport %q (have %s)", n, strings.Join(transportOrder, ","))
			}
			want = append(want, n)
		}
	}
	var out []transport
	for _, n := range transportOrder {
		if !slices.Contains(want, n) {
			continue
		}
		t := transport{name: n, tcp: n == "nats"}
		switch n {
		case "nanoq", "nanoq-seed":
			if c.nqbench == "" {
				return nil, fmt.Errorf("transport %s needs -nqbench", n)
			}
			t.bin, t.extra = c.nqbench, strings.Fields(c.nqFlags)
			if n == "nanoq-seed" {
				t.extra = append(withoutFlag(t.extra, "-delivery"), seedFlags...)
			}
		default:
			t.bin = filepath.Join(c.bindir, peerBinary[n])
			t.extra = strings.Fields(c.peerFlags[n])
		}
		out = append(out, t)
	}
	return out, nil
}

// withoutFlag returns args without the flag name and its value.
func withoutFlag(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == name:
			i++ // and its value
		case strings.HasPrefix(args[i], name+"="):
		default:
			out = append(out, args[i])
		}
	}
	return out
}

// keys returns a set's members sorted.
func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
