package main

import (
	"path/filepath"
	"testing"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
	"github.com/nanoq/nq/bench/peers/internal/runtest"
)

func TestEndpoint(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"port 0 becomes the wildcard", "tcp4://127.0.0.1:0", "tcp://127.0.0.1:*"},
		{"zmq form passes", "tcp://127.0.0.1:5555", "tcp://127.0.0.1:5555"},
		{"unix becomes ipc", "unix:///tmp/x.sock", "ipc:///tmp/x.sock"},
		{"ipc passes", "ipc:///tmp/x.sock", "ipc:///tmp/x.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := endpoint(tt.url)
			if err != nil || got != tt.want {
				t.Errorf("endpoint(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
			}
		})
	}
	if _, err := endpoint("tcp://10.0.0.1:5555"); err == nil {
		t.Error("endpoint accepted a non-loopback address")
	}
}

func TestLoopback(t *testing.T) {
	// HWM 0 (unlimited): the test checks delivery, not libzmq's drops.
	f := &flags{hwm: 0, ioThreads: 1}
	tr := run.Transport{
		Name:   "zmq",
		Listen: func(cfg *harness.Config, url string, d run.Deliver) (run.Sub, error) { return listen(cfg, f, url, d) },
		Dial:   func(cfg *harness.Config, url string) ([]run.Stream, error) { return dial(cfg, f, url) },
	}
	tests := []struct{ name, url string }{
		{"tcp", "tcp4://127.0.0.1:0"},
		{"unix", "unix://" + filepath.Join(t.TempDir(), "s.sock")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runtest.Loopback(t, tr, tt.url, 3, 200) })
	}
}
