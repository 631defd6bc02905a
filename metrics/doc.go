// Package metrics holds nanoQ's Prometheus collectors: their names, labels and
// registration, and cheap handles for the hot paths. The README's Metrics
// section lists every family, label and loss reason, and says which counts are
// exact and which are bounds; help.go holds the help texts.
//
// [New] registers the collectors on a caller's prometheus.Registerer
// (registering twice on one registry reuses what is there); [Default] does
// so once on prometheus.DefaultRegisterer. A publisher takes one handle
// with [Metrics.Pub] (label addr: the destination address), a subscriber
// one with [Metrics.Sub] (label addr: its own listen address) for all its
// connections, and its per-peer handles from [Metrics.Peers] (labels addr
// and peer). An [Addr] resolves its labels once and is updated per batch.
//
// Every exported function and method is safe for concurrent use. A nil
// *Metrics and a nil *Addr are valid and record nothing, so callers never
// test for "metrics off".
package metrics
