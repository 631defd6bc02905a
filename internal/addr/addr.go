package addr

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrBadURL is wrapped by every parse error.
var ErrBadURL = errors.New("nanoq: bad URL")

// Addr is a parsed nanoQ address; it implements net.Addr.
type Addr struct{ Net, Host string }

var _ net.Addr = Addr{}

// Network returns "tcp", "tcp4", "tcp6" or "unix", as net.Dial and net.Listen take it.
func (a Addr) Network() string { return a.Net }

// String returns host:port or the socket path, as net.Dial and net.Listen take it.
func (a Addr) String() string { return a.Host }

// Parse parses a nanoQ URL. Every error wraps ErrBadURL.
//
// tcp, tcp4 and tcp6 require host:port: the host may be empty (all interfaces),
// an IP literal (IPv6 in brackets; tcp4 refuses IPv6 and tcp6 IPv4) or a name;
// the port is a number up to 65535 (0: ephemeral). A trailing "/" is allowed,
// any other path is not. For unix the socket path is the host and path parts
// joined, so both unix:///var/run/nq.sock (absolute) and unix://nq.sock
// (relative) work; percent-escapes are decoded. User info, queries, fragments,
// opaque forms ("tcp:host:1") and other schemes are refused.
func Parse(raw string) (Addr, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Addr{}, fmt.Errorf("nanoq: parse URL %q: %w: %w", raw, err, ErrBadURL)
	}
	switch {
	case u.Scheme == "":
		return Addr{}, bad(raw, "missing scheme")
	case u.Opaque != "":
		return Addr{}, bad(raw, "want scheme://address")
	case u.User != nil:
		return Addr{}, bad(raw, "user info not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return Addr{}, bad(raw, "query not allowed")
	case strings.Contains(raw, "#"): // url.Parse drops an empty fragment
		return Addr{}, bad(raw, "fragment not allowed")
	}
	switch u.Scheme {
	case "tcp", "tcp4", "tcp6":
		return parseTCP(raw, u)
	case "unix":
		return parseUnix(raw, u)
	}
	return Addr{}, bad(raw, fmt.Sprintf("unknown scheme %q (want tcp, tcp4, tcp6 or unix)", u.Scheme))
}

func parseTCP(raw string, u *url.URL) (Addr, error) {
	if u.Path != "" && u.Path != "/" {
		return Addr{}, bad(raw, "path not allowed")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return Addr{}, fmt.Errorf("nanoq: parse URL %q: %w: %w", raw, err, ErrBadURL)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return Addr{}, bad(raw, fmt.Sprintf("bad port %q", port))
	}
	// url.Parse lets raw bytes such as 0x82 through in a host (an IPv6
	// zone, say) yet refuses them percent-encoded, so such an address
	// could not be written back as a URL; no host name or zone needs them.
	for i := range len(host) {
		if c := host[i]; c <= ' ' || c >= 0x7f {
			return Addr{}, bad(raw, fmt.Sprintf("byte %#x in host", c))
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		switch {
		case u.Scheme == "tcp4" && ip.Is6() && !ip.Is4In6():
			return Addr{}, bad(raw, "tcp4 with an IPv6 address")
		case u.Scheme == "tcp6" && ip.Is4():
			return Addr{}, bad(raw, "tcp6 with an IPv4 address")
		}
	}
	return Addr{Net: u.Scheme, Host: net.JoinHostPort(host, port)}, nil
}

func parseUnix(raw string, u *url.URL) (Addr, error) {
	path := u.Host + u.Path
	switch {
	case path == "":
		return Addr{}, bad(raw, "empty socket path")
	case strings.IndexByte(path, 0) >= 0:
		return Addr{}, bad(raw, "NUL in socket path")
	}
	return Addr{Net: "unix", Host: path}, nil
}

// bad builds a parse error that wraps ErrBadURL.
func bad(raw, why string) error {
	return fmt.Errorf("nanoq: parse URL %q: %s: %w", raw, why, ErrBadURL)
}

// ParseWith parses raw and passes opts through withDefaults: the first
// steps of a Publisher's and a Subscriber's constructor.
func ParseWith[O any](raw string, opts O, withDefaults func(O) (O, error)) (Addr, O, error) {
	a, err := Parse(raw)
	if err == nil {
		opts, err = withDefaults(opts)
	}
	return a, opts, err
}
