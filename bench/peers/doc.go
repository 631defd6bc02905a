// Package peers holds the peer comparisons of the nanoQ benchmark suite: one
// binary per peer transport (cmd/zmqbench for ZeroMQ through libzmq,
// cmd/natsbench for core NATS with an embedded server, cmd/gobench for plain
// Go net.Conns), all implementing the flags and JSON result of the nanoQ
// benchmark contract, and cmd/compare, which runs nqbench and the peers side
// by side and prints one markdown table.
//
// This is a module of its own so that the peers' dependencies (cgo libzmq,
// the NATS server) stay out of the nanoQ module. It reaches the shared
// harness through a replace directive pointing at the nanoQ checkout.
//
// Nothing here is imported by nanoQ; the package exists for this comment.
package peers
