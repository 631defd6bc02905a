package main

import (
	"errors"
	"testing"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
	"github.com/nanoq/nq/bench/peers/internal/runtest"
)

func TestHostPort(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		wantPort int
		wantErr  error
	}{
		{name: "nanoq form", url: "tcp4://127.0.0.1:4222", wantPort: 4222},
		{name: "nats form", url: "nats://127.0.0.1:5000", wantPort: 5000},
		{name: "port 0", url: "tcp4://127.0.0.1:0", wantPort: 0},
		{name: "unix", url: "unix:///tmp/s.sock", wantErr: run.ErrUnsupported},
		{name: "not loopback", url: "tcp4://192.0.2.1:4222", wantErr: harness.ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := hostPort(tt.url)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || host != "127.0.0.1" || port != tt.wantPort {
				t.Errorf("hostPort = %q, %d, %v; want 127.0.0.1, %d", host, port, err, tt.wantPort)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	tr := run.Transport{
		Name:   "nats",
		Listen: func(_ *harness.Config, url string, d run.Deliver) (run.Sub, error) { return listen(url, d, false) },
		Dial:   dial,
	}
	runtest.Loopback(t, tr, "tcp4://127.0.0.1:0", 3, 200)
}
