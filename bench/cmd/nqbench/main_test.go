package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(t *testing.T, stdout string)
		wantErr bool
	}{
		{
			name: "json both",
			args: []string{"-duration", "300ms", "-streams", "2", "-size", "8-200", "-json"},
			check: func(t *testing.T, out string) {
				var r harness.Result
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatalf("%v: %q", err, out)
				}
				if r.Transport != "nanoq" || r.Streams != 2 || r.SizeMin != 8 || r.SizeMax != 200 || r.Received == 0 {
					t.Fatalf("result %+v", r)
				}
				if r.MaxBufferKiB != 4096 {
					t.Fatalf("max_buffer_kib = %d, want 4096", r.MaxBufferKiB)
				}
			},
		},
		{
			name: "table",
			args: []string{"-duration", "200ms", "-rate", "1000", "-delivery", "receive", "-transport", "unix"},
			check: func(t *testing.T, out string) {
				for _, want := range []string{"nanoq / both", "latency µs", "received"} {
					if !strings.Contains(out, want) {
						t.Fatalf("table lacks %q:\n%s", want, out)
					}
				}
			},
		},
		{name: "bad delivery", args: []string{"-delivery", "x"}, wantErr: true},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
		{name: "remote url", args: []string{"-url", "tcp4://192.0.2.1:1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, &stdout, &stderr)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error; stdout %q", stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("%v; stderr %s", err, stderr.String())
			}
			tt.check(t, stdout.String())
		})
	}
}

// TestProgressAndHist checks what a reader of a run sees: a header naming
// the delivery path and pacing, progress lines that keep messages in
// flight apart from counted loss, and the -hist file.
func TestProgressAndHist(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "hist.txt")
	var stdout, stderr bytes.Buffer
	args := []string{"-duration", "1500ms", "-rate", "2000", "-streams", "3", "-hist", hist, "-json"}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("%v; stderr %s", err, stderr.String())
	}
	var r harness.Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	for _, want := range []string{"role both", "3 stream(s) × 100 B", "handler delivery", "paced at 2000 msgs/s"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %q", lines[0], want)
		}
	}
	progress := 0
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "[") {
			continue
		}
		progress++
		if !strings.Contains(l, " in flight ") || !strings.HasSuffix(l, " lost 0") {
			t.Errorf("progress line %q: want in flight and lost 0 apart", l)
		}
	}
	if progress == 0 {
		t.Errorf("no progress line in %q", stderr.String())
	}

	b, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	// Percentile-distribution rows: value (ms), percentile, total count,
	// 1/(1-percentile); the last row's count is every sample.
	var last []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 4 && !strings.HasPrefix(l, "#") && f[0] != "Value" {
			last = f
		}
	}
	// Every message but the warm-up ones, one per stream, that connected the streams.
	if r.WarmUp != 3 {
		t.Errorf("warm-up messages %d, want 3 (one per stream)", r.WarmUp)
	}
	if last == nil || last[1] != "1.000000" || last[2] != strconv.FormatInt(r.Received-r.WarmUp, 10) {
		t.Fatalf("hist file: last row %q, want percentile 1 and count %d:\n%s", last, r.Received-r.WarmUp, b)
	}
	if !strings.Contains(string(b), "Percentile") || !strings.Contains(string(b), "#[Max") {
		t.Fatalf("hist file is not a percentile distribution:\n%s", b)
	}
}
