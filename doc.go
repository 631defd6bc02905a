// Package nq is nanoQ: brokerless, fire-and-forget publish/subscribe of
// real-time streams inside private backend networks.
//
// A subscriber binds an address (tcp://host:port, tcp4://, tcp6:// or
// unix:///path/to.sock); publishers dial it directly. Every distinct stream
// key of a publisher gets its own connection, so messages of one key arrive
// in publish order. On the wire each message is uvarint(len(payload))
// followed by the payload, nothing else: the original nanoQ speaks the same.
//
// Loss model: Publish never blocks on the network. Each stream's buffer is
// bounded (PubOpts.MaxBuffer); when a subscriber is slow or away the oldest
// messages are dropped so the freshest get through. Every message that does
// not reach the subscriber's user is counted, with a reason, in Prometheus
// metrics (see package metrics).
//
// Both sides run on gnet event loops: one process carries tens of thousands
// of streams on a few goroutines, with no allocations per message.
//
// Every exported function and method is safe for concurrent use unless its
// comment says otherwise. This package is the whole API: the original
// nanoQ's (its quick start compiles with only the import path changed),
// plus handler delivery, stream handles, drain and error-returning
// constructors. Packages pub and sub implement it.
package nq
