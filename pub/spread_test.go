package pub

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is a real DNS server on a loopback UDP port, answering A
// queries from a table the test changes.
type dnsServer struct {
	pc   net.PacketConn
	mu   sync.Mutex
	a    map[string][]netip.Addr // FQDN → addresses
	done chan struct{}
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dnsServer{pc: pc, a: map[string][]netip.Addr{}, done: make(chan struct{})}
	go d.serve()
	t.Cleanup(func() {
		pc.Close()
		<-d.done
	})
	return d
}

func (d *dnsServer) set(name string, addrs ...netip.Addr) {
	d.mu.Lock()
	d.a[name+"."] = addrs
	d.mu.Unlock()
}

// resolver sends every query to d.
func (d *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "udp4", d.pc.LocalAddr().String())
	}}
}

func (d *dnsServer) serve() {
	defer close(d.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp, err := d.answer(buf[:n]); err == nil {
			d.pc.WriteTo(resp, from)
		}
	}
}

func (d *dnsServer) answer(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	addrs, known := d.a[q.Name.String()]
	d.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if q.Type == dnsmessage.TypeA {
		for _, a := range addrs {
			rr := dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
			if err := b.AResource(rr, dnsmessage.AResource{A: a.As4()}); err != nil {
				return nil, err
			}
		}
	}
	return b.Finish()
}

// keySubs is a set of subscribers, one per loopback address on one port,
// recording which address each key's messages reached.
type keySubs struct {
	t    *testing.T
	port string
	mu   sync.Mutex
	at   map[string]netip.Addr // key → the address that received it
	subs map[netip.Addr]*sub.Subscriber
	got  *received
}

func newKeySubs(t *testing.T) *keySubs {
	return &keySubs{t: t, at: map[string]netip.Addr{}, subs: map[netip.Addr]*sub.Subscriber{}, got: newReceived()}
}

// add starts a subscriber on a:port (the first picks the port).
func (k *keySubs) add(a netip.Addr) {
	k.t.Helper()
	port := k.port
	if port == "" {
		port = "0"
	}
	s, err := sub.New("tcp4://"+net.JoinHostPort(a.String(), port), sub.Options{Handler: func(p []byte, sd sub.StreamDescriptor) {
		k.mu.Lock()
		k.at[string(p)] = a
		k.mu.Unlock()
		k.got.Handle(p, sd)
	}})
	if err != nil {
		k.t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		k.t.Fatalf("bind %s:%s: %v", a, port, err)
	}
	k.t.Cleanup(func() { s.Close() })
	_, k.port, _ = net.SplitHostPort(s.Addr().String())
	k.subs[a] = s
}

// placement publishes one message on each key through a new Publisher
// and returns where each key arrived.
func (k *keySubs) placement(url string, r *net.Resolver, keys []string) map[string]netip.Addr {
	k.t.Helper()
	k.mu.Lock()
	clear(k.at)
	k.mu.Unlock()
	before := k.got.Count()
	m, reg := nettest.NewMetrics(k.t)
	p := newPub(k.t, url, Options{Resolver: r, Metrics: m})
	for _, key := range keys {
		if err := p.Publish(bg, []byte(key), key); err != nil {
			k.t.Fatal(err)
		}
	}
	k.got.Wait(k.t, before+len(keys))
	if n := nettest.Sum(k.t, reg, "nanoq_pub_target_streams", ""); int(n) != len(keys) {
		k.t.Fatalf("nanoq_pub_target_streams sums to %v, want %d", n, len(keys))
	}
	// A dead address fails over within the same dial attempt: no failed
	// dial, no backoff.
	if n := nettest.Sum(k.t, reg, "nanoq_pub_dial_failures_total", ""); n != 0 {
		k.t.Fatalf("%v failed dials", n)
	}
	shutdownSoon(p)
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps(k.at)
}

func maps(m map[string]netip.Addr) map[string]netip.Addr {
	out := make(map[string]netip.Addr, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestSpreadOverResolvedAddresses: a name with three A records (served by
// a DNS server on loopback) spreads 300 streams evenly over the three
// subscribers, each key where rendezvous hashing ranks it; changing the
// records moves only the keys that must move; a dead address fails over
// to each key's next-ranked one within the same dial. Before, every stream went to the first
// address.
func TestSpreadOverResolvedAddresses(t *testing.T) {
	ip := func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, last}) }
	ks := newKeySubs(t)
	for _, last := range []byte{2, 3, 4, 5} {
		ks.add(ip(last))
	}
	dns := startDNS(t)
	const name = "subs.nanoq.test"
	dns.set(name, ip(2), ip(3), ip(4))
	url := "tcp4://" + net.JoinHostPort(name, ks.port)
	keys := make([]string, 300)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}

	first := ks.placement(url, dns.resolver(), keys)
	count := map[netip.Addr]int{}
	for _, key := range keys {
		want := []netip.Addr{ip(2), ip(3), ip(4)}
		rank(keyHash(key), want)
		if first[key] != want[0] {
			t.Fatalf("key %s reached %s, ranked first: %s", key, first[key], want[0])
		}
		count[first[key]]++
	}
	for _, last := range []byte{2, 3, 4} {
		if n := count[ip(last)]; n < 70 || n > 130 {
			t.Fatalf("spread %v: %s has %d of 300 streams, want 100 ± 30", count, ip(last), n)
		}
	}

	dns.set(name, ip(2), ip(3), ip(5)) // .4 goes, .5 comes
	second := ks.placement(url, dns.resolver(), keys)
	moved := 0
	for _, key := range keys {
		if second[key] != first[key] {
			moved++
			if first[key] != ip(4) && second[key] != ip(5) {
				t.Fatalf("key %s moved from %s to %s: neither left nor joined", key, first[key], second[key])
			}
		}
	}
	t.Logf("spread %v; after the change %d of 300 keys moved", count, moved)

	ks.subs[ip(3)].Close() // dead: its keys fail over
	third := ks.placement(url, dns.resolver(), keys)
	for _, key := range keys {
		want := []netip.Addr{ip(2), ip(3), ip(5)}
		rank(keyHash(key), want)
		if want[0] == ip(3) {
			want = want[1:]
		}
		if third[key] != want[0] {
			t.Fatalf("with %s down, key %s reached %s, want its next-ranked %s", ip(3), key, third[key], want[0])
		}
	}
}
