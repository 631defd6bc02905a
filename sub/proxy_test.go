package sub

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/prometheus/client_golang/prometheus"
)

func proxyV2(cmd, fam byte, body []byte) []byte {
	b := append([]byte(nil), proxyV2Sig...)
	b = append(b, 0x20|cmd, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

func TestParseProxy(t *testing.T) {
	v4 := proxyV2(1, 0x11, []byte{10, 1, 2, 3, 127, 0, 0, 1, 0x1f, 0x90, 0x04, 0xd2})
	v6body := make([]byte, 36)
	v6body[15] = 1 // ::1
	v6 := proxyV2(1, 0x21, v6body)
	tests := []struct {
		name    string
		in      string
		n       int
		host    string
		invalid bool
	}{
		{"v1 tcp4", "PROXY TCP4 10.1.2.3 127.0.0.1 56324 1234\r\nrest", 42, "10.1.2.3", false},
		{"v1 tcp6", "PROXY TCP6 2001:db8::1 ::1 56324 1234\r\n", 39, "2001:db8::1", false},
		{"v1 unknown", "PROXY UNKNOWN\r\n", 15, "", false},
		{"v1 partial", "PROXY TCP4 10.1", 0, "", false},
		{"v1 prefix", "PRO", 0, "", false},
		{"v1 bad family", "PROXY TCP5 10.1.2.3 127.0.0.1 1 2\r\n", 0, "", true},
		{"v1 bad address", "PROXY TCP4 10.1.2 127.0.0.1 1 2\r\n", 0, "", true},
		{"v1 too long", "PROXY TCP4 " + string(make([]byte, 120)), 0, "", true},
		{"v2 tcp4", string(v4) + "rest", 28, "10.1.2.3", false},
		{"v2 tcp6", string(v6), 52, "::1", false},
		{"v2 local", string(proxyV2(0, 0, nil)), 16, "", false},
		{"v2 partial", string(v4[:20]), 0, "", false},
		{"v2 signature only", string(proxyV2Sig[:5]), 0, "", false},
		{"v2 short body", string(proxyV2(1, 0x11, []byte{1, 2, 3})), 0, "", true},
		{"v2 bad version", string(append(append([]byte(nil), proxyV2Sig...), 0x31, 0x11, 0, 0)), 0, "", true},
		{"none", "\x05hello", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, host, err := parseProxy([]byte(tt.in))
			if tt.invalid != errors.Is(err, errProxyHeader) || n != tt.n || host != tt.host {
				t.Fatalf("parseProxy = %d, %q, %v; want %d, %q, invalid %v", n, host, err, tt.n, tt.host, tt.invalid)
			}
		})
	}
}

func FuzzParseProxy(f *testing.F) {
	f.Add([]byte("PROXY TCP4 10.1.2.3 127.0.0.1 56324 1234\r\n"))
	f.Add(proxyV2(1, 0x11, []byte{10, 1, 2, 3, 127, 0, 0, 1, 0x1f, 0x90, 0x04, 0xd2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, _, err := parseProxy(b)
		if n < 0 || n > len(b) || err != nil && n != 0 {
			t.Fatalf("parseProxy(%q) = %d, %v", b, n, err)
		}
	})
}

// TestProxyProtocolConnections: behind a balancer sending PROXY headers
// (written here by raw peers, in pieces), the subscriber delivers the
// frames after the header and names the publisher it gives in the peer
// series; a connection without a header is closed and counted malformed.
func TestProxyProtocolConnections(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, Metrics: m, ProxyProtocol: true})
	v1 := dial(t, s)
	hdr := []byte("PROXY TCP4 10.9.8.7 127.0.0.1 40000 1234\r\n")
	v1.Write(hdr[:10]) // a header in pieces, then frames
	time.Sleep(10 * time.Millisecond)
	v1.Write(append(hdr[10:], frame([]byte("one"))...))
	v2 := dial(t, s)
	v2.Write(append(proxyV2(1, 0x11, []byte{10, 9, 8, 6, 127, 0, 0, 1, 0x9c, 0x40, 0x04, 0xd2}), frame([]byte("two"))...))
	col.Wait(t, 2)
	deadline := time.Now().Add(10 * time.Second)
	for { // the timer goroutine opens the peers
		series := seriesByName(t, reg, s.addr.String())
		if series["nanoq_sub_peer_streams"] == 2 && s.peers.Len() == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer series %v, hosts %d: want the two proxied publishers", series["nanoq_sub_peer_streams"], s.peers.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := peerLabels(t, reg); !got["10.9.8.7"] || !got["10.9.8.6"] {
		t.Fatalf("peers %v, want 10.9.8.7 and 10.9.8.6", got)
	}
	bad := dial(t, s)
	bad.Write(frame([]byte("no header")))
	waitEOF(t, bad, 5*time.Second)
	if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", "malformed"); n != 1 {
		t.Fatalf("malformed %v, want 1 for the connection without a header", n)
	}
}

// peerLabels returns the peer label values of nanoq_sub_peer_streams.
func peerLabels(t *testing.T, reg *prometheus.Registry) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range nettest.Samples(t, reg) {
		if peer, ok := m.Labels["peer"]; ok && m.Family == "nanoq_sub_peer_streams" {
			out[peer] = true
		}
	}
	return out
}

// FuzzProxyHeaderChunks feeds a header and what follows in two reads,
// split anywhere: the bytes after a valid header come out whole, and bad
// input is an error, never a panic.
func FuzzProxyHeaderChunks(f *testing.F) {
	f.Add([]byte("PROXY TCP4 10.1.2.3 127.0.0.1 56324 1234\r\n\x03abc"), 7)
	f.Add(append(proxyV2(1, 0x11, []byte{10, 1, 2, 3, 127, 0, 0, 1, 0x1f, 0x90, 0x04, 0xd2}), 1, 'x'), 20)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		if cut < 0 || cut > len(in) {
			return
		}
		c := &conn{s: &Subscriber{}, proxyWait: true}
		var out []byte
		for _, part := range [][]byte{in[:cut], in[cut:]} {
			if !c.proxyWait {
				out = append(out, part...)
				continue
			}
			rest, err := c.proxyHeader(part)
			if err != nil {
				return
			}
			out = append(out, rest...)
		}
		if c.proxyWait {
			return
		}
		n, _, err := parseProxy(in)
		if err != nil || n == 0 || string(out) != string(in[n:]) {
			t.Fatalf("after the header: %q, want %q (n %d, %v)", out, in[min(n, len(in)):], n, err)
		}
	})
}
