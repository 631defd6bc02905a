package addr

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error wraps
// ErrBadURL, and that every success round-trips: a tcp address is valid
// net.SplitHostPort input with a 16-bit port, and the URL form of a tcp
// address or of an absolute unix path parses back to the same Addr.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"tcp://localhost:1234", "tcp4://:0", "tcp6://[::1]:1", "tcp6://[fe80::1%25lo]:9",
		"unix:///var/run/nq.sock", "unix://nq.sock", "unix:///a%20b", "tcp://h:1/",
		"tcp://u@h:1", "tcp://h:1?x#y", "tcp:h:1", "udp://h:1", "unix://", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrBadURL", raw, err)
			}
			if !strings.HasPrefix(err.Error(), "nanoq: parse URL ") {
				t.Fatalf("Parse(%q) error %q lacks the prefix", raw, err)
			}
			return
		}
		switch a.Network() {
		case "tcp", "tcp4", "tcp6":
			checkTCP(t, raw, a)
		case "unix":
			checkUnix(t, raw, a)
		default:
			t.Fatalf("Parse(%q) network %q", raw, a.Network())
		}
	})
}

func checkTCP(t *testing.T, raw string, a Addr) {
	t.Helper()
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatalf("Parse(%q) = %q: not host:port: %v", raw, a.String(), err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		t.Fatalf("Parse(%q) = %q: bad port: %v", raw, a.String(), err)
	}
	u := url.URL{Scheme: a.Network(), Host: a.String()}
	again, err := Parse(u.String())
	if err != nil {
		t.Fatalf("Parse(%q) = %+v, whose URL %q does not parse: %v", raw, a, u.String(), err)
	}
	if again != a {
		t.Fatalf("Parse(%q) = %+v, parsed again %+v", raw, a, again)
	}
}

func checkUnix(t *testing.T, raw string, a Addr) {
	t.Helper()
	p := a.String()
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		t.Fatalf("Parse(%q) gave socket path %q", raw, p)
	}
	if !strings.HasPrefix(p, "/") {
		return // a relative path has no canonical URL form to compare with
	}
	u := url.URL{Scheme: "unix", Path: p}
	again, err := Parse(u.String())
	if err != nil {
		t.Fatalf("Parse(%q) = %+v, whose URL %q does not parse: %v", raw, a, u.String(), err)
	}
	if again != a {
		t.Fatalf("Parse(%q) = %+v, its URL %q parses to %+v", raw, a, u.String(), again)
	}
}
