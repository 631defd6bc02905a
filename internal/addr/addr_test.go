package addr

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want Addr
	}{
		{"tcp", "tcp://localhost:1234", Addr{"tcp", "localhost:1234"}},
		{"tcp4", "tcp4://127.0.0.1:1234", Addr{"tcp4", "127.0.0.1:1234"}},
		{"tcp4 empty host", "tcp4://:1234", Addr{"tcp4", ":1234"}},
		{"tcp4 port 0", "tcp4://127.0.0.1:0", Addr{"tcp4", "127.0.0.1:0"}},
		{"tcp4 name", "tcp4://localhost:1234", Addr{"tcp4", "localhost:1234"}},
		{"tcp4 mapped v6", "tcp4://[::ffff:127.0.0.1]:1", Addr{"tcp4", "[::ffff:127.0.0.1]:1"}},
		{"tcp6", "tcp6://[::1]:1234", Addr{"tcp6", "[::1]:1234"}},
		{"tcp6 zone", "tcp6://[fe80::1%25eth0]:80", Addr{"tcp6", "[fe80::1%eth0]:80"}},
		{"tcp v6 in brackets", "tcp://[::]:0", Addr{"tcp", "[::]:0"}},
		{"tcp trailing slash", "tcp://h:1/", Addr{"tcp", "h:1"}},
		{"tcp max port", "tcp://h:65535", Addr{"tcp", "h:65535"}},
		{"scheme case", "TCP4://h:1", Addr{"tcp4", "h:1"}},
		{"unix absolute", "unix:///var/run/sockety.sock", Addr{"unix", "/var/run/sockety.sock"}},
		{"unix relative", "unix://nq.sock", Addr{"unix", "nq.sock"}},
		{"unix relative dir", "unix://run/nq.sock", Addr{"unix", "run/nq.sock"}},
		{"unix dot", "unix://./nq.sock", Addr{"unix", "./nq.sock"}},
		{"unix escaped", "unix:///tmp/a%20b.sock", Addr{"unix", "/tmp/a b.sock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.raw, got, tt.want)
			}
			if got.Network() != tt.want.Net || got.String() != tt.want.Host {
				t.Fatalf("Network/String = %q/%q", got.Network(), got.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		why     string // part of the message
		urlErr  bool   // also wraps a *url.Error
		addrErr bool   // also wraps a *net.AddrError
	}{
		{"empty", "", "missing scheme", false, false},
		{"no scheme", "localhost:1234", "", false, false},
		{"no scheme host", "//h:1", "missing scheme", false, false},
		{"url syntax", "tcp://h:1 2", "", true, false},
		{"url bad port", "tcp://h:x", "", true, false},
		{"control char", "tcp://h:1\n", "", true, false},
		{"unknown scheme", "udp://h:1", "unknown scheme", false, false},
		{"http", "http://h:80", "unknown scheme", false, false},
		{"unixgram", "unixgram:///x", "unknown scheme", false, false},
		{"opaque tcp", "tcp:h:1", "want scheme://address", false, false},
		{"opaque unix", "unix:nq.sock", "want scheme://address", false, false},
		{"user info", "tcp://u:p@h:1", "user info", false, false},
		{"user info unix", "unix://u@/x.sock", "user info", false, false},
		{"query", "tcp://h:1?a=b", "query", false, false},
		{"empty query", "tcp://h:1?", "query", false, false},
		{"unix query", "unix:///x.sock?a", "query", false, false},
		{"fragment", "tcp://h:1#f", "fragment", false, false},
		{"empty fragment", "unix:///x.sock#", "fragment", false, false},
		{"tcp path", "tcp://h:1/x", "path", false, false},
		{"tcp double slash", "tcp://h:1//", "path", false, false},
		{"tcp no port", "tcp://h", "", false, true},
		{"tcp empty", "tcp://", "", false, true},
		{"tcp empty port", "tcp://h:", "bad port", false, false},
		{"tcp port too big", "tcp://h:65536", "bad port", false, false},
		{"tcp bare v6", "tcp6://::1:1", "too many colons", false, true},
		{"tcp non-ASCII zone", "tcp://[::%25\x82]:0", "byte 0x82 in host", false, false},
		{"tcp non-ASCII host", "tcp://h\xc3\xa9:1", "byte 0xc3 in host", false, false},
		{"tcp4 with v6", "tcp4://[::1]:1", "IPv6", false, false},
		{"tcp6 with v4", "tcp6://127.0.0.1:1", "IPv4", false, false},
		{"unix empty", "unix://", "empty socket path", false, false},
		{"unix NUL", "unix:///tmp/a%00b", "NUL", false, false},
		{"unix bad escape", "unix:///tmp/%zz", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.raw, a)
			}
			if a != (Addr{}) {
				t.Errorf("Parse(%q) returned %+v with its error", tt.raw, a)
			}
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("errors.Is(%v, ErrBadURL) = false", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "nanoq: parse URL ") || !strings.Contains(msg, tt.why) {
				t.Errorf("error %q: want prefix %q and %q", msg, "nanoq: parse URL ", tt.why)
			}
			var ue *url.Error
			if got := errors.As(err, &ue); got != tt.urlErr {
				t.Errorf("errors.As(*url.Error) = %v, want %v (%v)", got, tt.urlErr, err)
			}
			var ae *net.AddrError
			if got := errors.As(err, &ae); got != tt.addrErr {
				t.Errorf("errors.As(*net.AddrError) = %v, want %v (%v)", got, tt.addrErr, err)
			}
		})
	}
}

// TestListen checks that what Parse returns is what net.Listen wants.
func TestListen(t *testing.T) {
	tests := []struct {
		name string
		raw  func(t *testing.T) string
	}{
		{"tcp4", func(*testing.T) string { return "tcp4://127.0.0.1:0" }},
		{"unix", func(t *testing.T) string { return "unix://" + nettest.UnixPath(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.raw(t))
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen(a.Network(), a.String())
			if err != nil {
				t.Fatalf("net.Listen(%q, %q): %v", a.Network(), a.String(), err)
			}
			if err := ln.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
