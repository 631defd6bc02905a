package main

import (
	"bytes"
	"encoding/json"
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
