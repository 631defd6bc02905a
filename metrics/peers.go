package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Peers holds a subscriber's per-peer series (label peer: the publisher's
// host), which exist only while that host has a connection open: Sweep
// deletes those of hosts whose last connection closed, so their number
// follows the peers connected now. The subscriber's exact totals are its
// addr series (Metrics.Sub); per-peer counts of a host that left are gone
// with its series. A nil *Peers is valid: Open returns a nil *Peer, which
// records nothing. Safe for concurrent use.
type Peers struct {
	sd   *side  // read-only
	addr string // read-only: the subscriber's listen address

	idle atomic.Int64 // peers whose refs reached 0 since the last Sweep, a hint
	mu   sync.Mutex
	m    map[string]*Peer // guarded by mu
}

// Peer is the per-peer handle of one publisher host; each of its open
// connections holds one reference (Open, Close). Transferred and Close are
// lock-free, for event loops. A nil *Peer does nothing.
type Peer struct {
	// Read-only after Open created it.
	ps      *Peers
	host    string
	counts  counts
	streams prometheus.Gauge

	refs atomic.Int64 // open connections; 0: Sweep deletes the series
}

// Peers returns the per-peer series of the subscriber listening on addr.
// Nil-safe: a nil *Metrics gives a nil *Peers.
func (m *Metrics) Peers(addr string) *Peers {
	if m == nil {
		return nil
	}
	return &Peers{sd: m.sub, addr: addr, m: map[string]*Peer{}}
}

// Open returns host's handle with one more reference, creating its series
// on the host's first open connection. Not for event loops: it may take the
// collectors' locks.
func (ps *Peers) Open(host string) *Peer {
	if ps == nil {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[host]
	if p == nil {
		p = &Peer{
			ps:      ps,
			host:    host,
			counts:  counts{ps.sd.peerMsgs.WithLabelValues(ps.addr, host), ps.sd.peerBytes.WithLabelValues(ps.addr, host)},
			streams: ps.sd.peerStreams.WithLabelValues(ps.addr, host),
		}
		ps.m[host] = p
	}
	p.refs.Add(1) // under mu: Sweep cannot delete p now
	p.streams.Inc()
	return p
}

// Transferred counts n messages of the given payload bytes from the peer.
func (p *Peer) Transferred(n, bytes int) {
	if p != nil {
		p.counts.add(n, bytes)
	}
}

// Close gives back the reference of one connection that closed. The last
// one leaves the series for the next Sweep to delete.
func (p *Peer) Close() {
	if p == nil {
		return
	}
	p.streams.Dec()
	if p.refs.Add(-1) == 0 {
		p.ps.idle.Add(1)
	}
}

// Sweep deletes the series of every host with no connection open. Not for
// event loops; cheap when no host closed its last one since the last Sweep.
func (ps *Peers) Sweep() {
	if ps == nil || ps.idle.Load() == 0 {
		return
	}
	ps.idle.Store(0)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for host, p := range ps.m {
		if p.refs.Load() > 0 {
			continue
		}
		delete(ps.m, host)
		ps.sd.peerMsgs.DeleteLabelValues(ps.addr, host)
		ps.sd.peerBytes.DeleteLabelValues(ps.addr, host)
		ps.sd.peerStreams.DeleteLabelValues(ps.addr, host)
	}
}

// Len returns the number of hosts with series now.
func (ps *Peers) Len() int {
	if ps == nil {
		return 0
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.m)
}
