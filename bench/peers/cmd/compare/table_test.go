package main

import (
	"strings"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

func TestFormatLoss(t *testing.T) {
	tests := []struct {
		name     string
		pub, sub harness.Result
		want     string
	}{
		{
			name: "no loss",
			pub:  harness.Result{Published: 1000},
			sub:  harness.Result{Received: 1000},
			want: "0 (0 %)",
		},
		{
			name: "uncounted loss",
			pub:  harness.Result{Published: 1000},
			sub:  harness.Result{Received: 750},
			want: "250 (25.0 %)",
		},
		{
			name: "counted on both sides",
			pub:  harness.Result{Published: 1_000_000, LostCounted: map[string]int64{"overflow": 40}},
			sub:  harness.Result{Received: 999_950, LostCounted: map[string]int64{"slow_consumer": 10}},
			want: "50 (0.0050 %), 50 counted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := outcome{pub: &tt.pub, sub: &tt.sub}
			v, ok := lossValue(o)
			if !ok {
				t.Fatal("lossValue: not ok with both sides present")
			}
			if got := formatLoss(o, v); got != tt.want {
				t.Errorf("formatLoss = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatRatio(t *testing.T) {
	tests := []struct {
		name           string
		ours, peer     float64
		okOurs, okPeer bool
		want           string
	}{
		{"twice", 2e6, 1e6, true, true, "2.00×"},
		{"half", 5, 10, true, true, "0.50×"},
		{"huge", 5000, 2, true, true, "2.5e+03×"},
		{"peer zero", 1, 0, true, true, "–"},
		{"peer missing", 1, 1, true, false, "–"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatRatio(tt.ours, tt.peer, tt.okOurs, tt.okPeer); got != tt.want {
				t.Errorf("formatRatio = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	ts := []transport{{name: "nanoq"}, {name: "zmq"}}
	rows := []row{allRows[0]}
	results := [][]outcome{{
		{pub: &harness.Result{Published: 4_000_000}, sub: &harness.Result{Received: 4_000_000, MsgsPerS: 4e6}},
		{pub: &harness.Result{Published: 3_000_000}, sub: &harness.Result{Received: 1_000_000, MsgsPerS: 1e6}},
	}}
	var b strings.Builder
	writeTable(&b, rows, ts, results)
	out := b.String()
	for _, want := range []string{
		"| scenario | metric | nanoq | zmq | nanoq/zmq |",
		"| **1 stream × 100 B** | msgs/s received ↑ | 4.00 M | 1.00 M | 4.00× |",
		"| loss: published − received | 0 (0 %) | 2000000 (66.7 %) |  |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Failures") {
		t.Errorf("table lists failures without any:\n%s", out)
	}
}

func TestLastResult(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		wantErr bool
		wantPub int64
	}{
		{name: "one line", out: `{"transport":"go","published":7}` + "\n", wantPub: 7},
		{name: "table before json", out: "published 3\n" + `{"published":9}` + "\n", wantPub: 9},
		{name: "no json", out: "oops\n", wantErr: true},
		{name: "broken json", out: "{\"published\":\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := lastResult([]byte(tt.out))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && r.Published != tt.wantPub {
				t.Errorf("published = %d, want %d", r.Published, tt.wantPub)
			}
		})
	}
}

func TestSelectRows(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		want    []string
		wantErr bool
	}{
		{name: "all", list: "", want: []string{"1x100", "100x100", "1000x100", "10000x100", "10000x100-mem", "1x64k", "latency", "latency-steady", "latency-1000", "idle"}},
		{name: "table order kept", list: "idle,1x100", want: []string{"1x100", "idle"}},
		{name: "unknown", list: "1x100,nope", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := selectRows(tt.list)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.id)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRowSkips(t *testing.T) {
	r := row{skip: "zmq,nats: too many sockets"}
	for tr, want := range map[string]string{"zmq": "too many sockets", "nats": "too many sockets", "go": "", "nanoq": ""} {
		if got := r.skips(tr); got != want {
			t.Errorf("skips(%q) = %q, want %q", tr, got, want)
		}
	}
	if got := (row{}).skips("zmq"); got != "" {
		t.Errorf("a row without skip skips zmq: %q", got)
	}
}

// TestRowNanoQFlags: a row's nq flags reach both nanoQ transports and no peer.
func TestRowNanoQFlags(t *testing.T) {
	rows, err := selectRows("10000x100-mem")
	if err != nil || len(rows) != 1 {
		t.Fatalf("selectRows: %v %v", rows, err)
	}
	for tr, want := range map[string]bool{"nanoq": true, "nanoq-seed": true, "go": false, "zmq": false} {
		a := strings.Join(rows[0].args(tr, time.Second, 0), " ")
		if got := strings.Contains(a, "-buffertotal 402653184"); got != want {
			t.Errorf("%s: args %q, want -buffertotal: %v", tr, a, want)
		}
	}
}
