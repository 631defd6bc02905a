package sub

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nanoq/nq/reactor"
)

// The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): a
// load balancer in front of the subscriber sends one header before the
// publisher's bytes, naming the publisher's address.

// errProxyHeader is wrapped for a connection whose PROXY header is missing
// or malformed while Options.ProxyProtocol requires one.
var errProxyHeader = errors.New("nanoq: bad or missing PROXY protocol header")

// proxyV2Sig starts every version 2 header.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// maxProxyHeader bounds a header: version 1 takes at most 107 bytes;
// version 2 headers with a few TLVs stay far below this.
const maxProxyHeader = 1 << 10

// parseProxy parses a PROXY header at the start of b. It returns the
// header's length, or 0 when b holds only its beginning so far, and the
// source host it names: "" for a LOCAL (health check) or UNKNOWN header,
// whose connection is the load balancer's own.
func parseProxy(b []byte) (n int, host string, err error) {
	switch {
	case len(b) >= len(proxyV2Sig) && bytes.Equal(b[:len(proxyV2Sig)], proxyV2Sig):
		return parseProxyV2(b)
	case len(b) < len(proxyV2Sig) && bytes.HasPrefix(proxyV2Sig, b):
		return 0, "", nil // too short to tell which version: wait
	case bytes.HasPrefix(b, []byte("PROXY ")):
		return parseProxyV1(b)
	case len(b) < 6 && bytes.HasPrefix([]byte("PROXY "), b):
		return 0, "", nil
	}
	return 0, "", errProxyHeader
}

func parseProxyV1(b []byte) (int, string, error) {
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		if len(b) >= 107 {
			return 0, "", errProxyHeader
		}
		return 0, "", nil
	}
	f := strings.Fields(string(b[len("PROXY "):end]))
	if len(f) >= 1 && f[0] == "UNKNOWN" {
		return end + 2, "", nil
	}
	if len(f) != 5 || f[0] != "TCP4" && f[0] != "TCP6" {
		return 0, "", errProxyHeader
	}
	src, err := netip.ParseAddr(f[1])
	if err != nil || src.Is4() != (f[0] == "TCP4") {
		return 0, "", errProxyHeader
	}
	if _, err := strconv.ParseUint(f[3], 10, 16); err != nil {
		return 0, "", errProxyHeader
	}
	return end + 2, src.String(), nil
}

func parseProxyV2(b []byte) (int, string, error) {
	if len(b) < 16 {
		return 0, "", nil
	}
	verCmd, fam := b[12], b[13]
	size := 16 + int(binary.BigEndian.Uint16(b[14:16]))
	switch {
	case verCmd>>4 != 2 || verCmd&0xf > 1 || size > maxProxyHeader:
		return 0, "", errProxyHeader
	case len(b) < size:
		return 0, "", nil
	case verCmd&0xf == 0: // LOCAL: the balancer's own connection
		return size, "", nil
	}
	body := b[16:size]
	switch fam >> 4 {
	case 1: // IPv4
		if len(body) < 12 {
			return 0, "", errProxyHeader
		}
		return size, netip.AddrFrom4([4]byte(body[:4])).String(), nil
	case 2: // IPv6
		if len(body) < 36 {
			return 0, "", errProxyHeader
		}
		return size, netip.AddrFrom16([16]byte(body[:16])).Unmap().String(), nil
	}
	return size, "", nil // AF_UNSPEC or a unix address: no host to name
}

// proxyState is what a ProxyProtocol connection keeps of its header.
type proxyState struct {
	hdr  []byte // the part of the PROXY header that arrived, while proxyWait
	host string // the publisher host the header named ("": none)
	next *conn  // Subscriber.proxyInbox link
}

// proxyHeader takes the PROXY header from the start of the connection's
// data, keeping what arrived of an incomplete one, and returns the bytes
// after it. Loop only.
func (c *conn) proxyHeader(data []byte) ([]byte, error) {
	if c.proxy == nil { // the header may come in several pieces
		c.proxy = new(proxyState)
	}
	ps := c.proxy
	b, appended := data, len(data)
	if len(ps.hdr) > 0 {
		appended = min(len(data), maxProxyHeader)
		ps.hdr = append(ps.hdr, data[:appended]...)
		b = ps.hdr
	}
	n, host, err := parseProxy(b)
	switch {
	case err != nil:
		return nil, err
	case n == 0 && len(b) >= maxProxyHeader:
		return nil, errProxyHeader
	case n == 0:
		if len(ps.hdr) == 0 {
			ps.hdr = append(make([]byte, 0, 128), data...)
		}
		return nil, nil
	}
	rest := data[appended-(len(b)-n):] // b[n:] is the end of data[:appended]
	c.proxyWait, ps.hdr = false, nil
	c.pendingSince = 0
	if host != "" {
		ps.host = host
		c.s.proxyPeer(c)
	}
	return rest, nil
}

// proxyPeer hands c to the timer goroutine, which opens the per-peer series of
// the host its PROXY header named (that may take the collectors' locks, which
// an event loop must not) and posts the handle back to c's loop. Loop only.
func (s *Subscriber) proxyPeer(c *conn) {
	if s.peers != nil {
		s.proxyInbox.Push(c, &c.proxy.next)
	}
}

// openProxyPeers opens the peers of the connections proxyPeer handed
// over. Timer goroutine only.
func (s *Subscriber) openProxyPeers() {
	for c := s.proxyInbox.Take(); c != nil; c = c.proxy.next { // c is per iteration
		p := s.peers.Open(c.proxy.host)
		c.rc.Loop().Post(reactor.NewTask(func() {
			if c.closed {
				p.Close()
				return
			}
			c.peer = p
		}))
	}
}
