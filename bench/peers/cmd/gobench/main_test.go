package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
	"github.com/nanoq/nq/bench/peers/internal/runtest"
)

func TestLoopback(t *testing.T) {
	tr := run.Transport{
		Name:   "go",
		Listen: listen,
		Dial: func(cfg *harness.Config, url string) ([]run.Stream, error) {
			return dial(cfg, url, time.Second)
		},
	}
	tests := []struct{ name, url string }{
		{"tcp", "tcp4://127.0.0.1:0"},
		{"unix", "unix://" + filepath.Join(t.TempDir(), "s.sock")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runtest.Loopback(t, tr, tt.url, 3, 200) })
	}
}
