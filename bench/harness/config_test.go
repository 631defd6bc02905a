package harness

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

func TestMain(m *testing.M) { nettest.VerifyTestMain(m) }

func parse(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return &c, err
	}
	return &c, c.Validate()
}

func TestRegisterFlagsDefaults(t *testing.T) {
	c, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Role: RoleBoth, Transport: TransportTCP, Streams: 1, SizeMin: 100, SizeMax: 100, Duration: 10 * time.Second}
	if *c != want {
		t.Fatalf("defaults = %+v, want %+v", *c, want)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		min, max int
		wantErr  bool
	}{
		{name: "single size", args: []string{"-size", "256"}, min: 256, max: 256},
		{name: "range", args: []string{"-size", "100-2000"}, min: 100, max: 2000},
		{name: "below eight raised", args: []string{"-size", "1"}, min: 8, max: 8},
		{name: "range below eight raised", args: []string{"-size", "0-4"}, min: 8, max: 8},
		{name: "range partly below eight", args: []string{"-size", "2-64"}, min: 8, max: 64},
		{name: "reversed range", args: []string{"-size", "64-8"}, wantErr: true},
		{name: "garbage size", args: []string{"-size", "big"}, wantErr: true},
		{name: "negative size", args: []string{"-size", "-5"}, wantErr: true},
		{name: "bad role", args: []string{"-role", "relay"}, wantErr: true},
		{name: "bad transport", args: []string{"-transport", "udp"}, wantErr: true},
		{name: "zero streams", args: []string{"-streams", "0"}, wantErr: true},
		{name: "zero duration", args: []string{"-duration", "0s"}, wantErr: true},
		{name: "negative rate", args: []string{"-rate", "-1"}, wantErr: true},
		{name: "pub without url", args: []string{"-role", "pub"}, wantErr: true},
		{name: "pub with url", args: []string{"-role", "pub", "-url", "tcp4://127.0.0.1:4000"}, min: 100, max: 100},
		{name: "unix url", args: []string{"-url", "unix:///tmp/x.sock"}, min: 100, max: 100},
		{name: "remote url refused", args: []string{"-url", "tcp4://10.1.2.3:4000"}, wantErr: true},
		{name: "unknown scheme", args: []string{"-url", "udp://127.0.0.1:4000"}, wantErr: true},
		{name: "remote pprof refused", args: []string{"-pprof", "0.0.0.0:6060"}, wantErr: true},
		{name: "loopback pprof", args: []string{"-pprof", "localhost:0"}, min: 100, max: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.args...)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("%v: no error", tt.args)
				}
				if !strings.HasPrefix(err.Error(), "invalid value") && !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("%v: error %v does not wrap ErrInvalidConfig", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			if c.SizeMin != tt.min || c.SizeMax != tt.max {
				t.Fatalf("size = %d-%d, want %d-%d", c.SizeMin, c.SizeMax, tt.min, tt.max)
			}
		})
	}
}

func TestListenURL(t *testing.T) {
	tests := []struct {
		name, transport, url, prefix string
	}{
		{name: "tcp default", transport: TransportTCP, prefix: "tcp4://127.0.0.1:0"},
		{name: "unix default", transport: TransportUnix, prefix: "unix:///"},
		{name: "explicit", transport: TransportUnix, url: "tcp4://127.0.0.1:7", prefix: "tcp4://127.0.0.1:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Transport: tt.transport, URL: tt.url}
			u, cleanup, err := c.ListenURL()
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			if !strings.HasPrefix(u, tt.prefix) {
				t.Fatalf("ListenURL = %q, want prefix %q", u, tt.prefix)
			}
			if _, _, err := SplitURL(u); err != nil {
				t.Fatalf("SplitURL(%q): %v", u, err)
			}
		})
	}
}
