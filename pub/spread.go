package pub

import (
	"cmp"
	"context"
	"hash/maphash"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Spreading streams over the addresses a host name resolves to, by
// rendezvous (highest random weight) hashing of the key: see Options.NoSpread.

// keySeed hashes keys of types without a fixed encoding, whose placement is
// thus stable within a process only (string and integer keys place the same
// in every process).
var keySeed = maphash.MakeSeed()

// keyHash returns a hash of a comparable stream key.
func keyHash(key any) uint64 {
	switch k := key.(type) {
	case string:
		return fnv64(k)
	case int:
		return mix64(uint64(k))
	case int64:
		return mix64(uint64(k))
	case int32:
		return mix64(uint64(k))
	case uint:
		return mix64(uint64(k))
	case uint64:
		return mix64(k)
	case uint32:
		return mix64(uint64(k))
	}
	return maphash.Comparable(keySeed, key)
}

// fnv64 is FNV-1a over s.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is SplitMix64's finalizer: a bijection that spreads every input bit.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// rank orders addrs (in place) by the key's rendezvous weight, highest
// first; ties, which need equal hashes, by address.
func rank(key uint64, addrs []netip.Addr) {
	weight := func(a netip.Addr) uint64 { return mix64(key ^ fnv64(a.String())) }
	slices.SortFunc(addrs, func(a, b netip.Addr) int {
		return cmp.Or(cmp.Compare(weight(b), weight(a)), a.Compare(b))
	})
}

// targets returns the host:ports s dials now, in order: for a TCP host name
// that resolves to several addresses (spreading on), all of them, ranked
// for the key, so that a dead one fails over to the key's next-ranked
// address within the same attempt; otherwise the URL's address as is,
// which the dialer resolves itself. Dial worker only.
func (d *dialer) targets(ctx context.Context, s *stream) []string {
	p := d.p
	hostport := p.addr.Host
	host, port, err := net.SplitHostPort(hostport)
	if p.opts.NoSpread || p.addr.Net == "unix" || err != nil {
		return []string{hostport}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return []string{hostport} // an address already
	}
	network := "ip" + strings.TrimPrefix(p.addr.Net, "tcp") // ip, ip4 or ip6
	rctx, cancel := context.WithTimeout(ctx, p.opts.ConnectTimeout)
	defer cancel()
	addrs, err := cmp.Or(p.opts.Resolver, net.DefaultResolver).LookupNetIP(rctx, network, host)
	if err != nil || len(addrs) == 0 {
		return []string{hostport} // the dial reports the error
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	addrs = slices.Compact(addrs)
	rank(s.keyHash, addrs)
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = net.JoinHostPort(a.String(), port)
	}
	return out
}
