// Package reactor runs nanoQ's connections on gnet event loops. It is the
// only package of the module that imports gnet: everything else sees the
// narrow API below, so the poller could be swapped by changing this package.
//
// # Model
//
// A Reactor is one gnet client with a fixed number of event loops. Callers
// dial or accept a net.Conn themselves (with their own timeouts and error
// handling) and hand it to Reactor.Enroll, which moves it onto the least
// loaded loop. From then on the connection belongs to that loop: its
// Handler's methods run there, one at a time, and its Conn methods may only
// be called there. Other goroutines reach a loop only through Loop.Post,
// which runs a reusable Task on it without blocking and without allocating.
// Log lines, gnet's included, go to Config.Logger (silent when nil): nothing
// is printed to stdout or stderr, and gnet's Fatalf never exits the process.
//
// Reactor's and Loop's methods may be called from any goroutine, but
// Enroll and Close not from a loop (they wait for loops); a Conn's only on
// its loop unless marked "any goroutine"; Handler methods run on the
// connection's loop and must not block. docs/reactor.md has the design: how
// loops wake, close, finish held output, and why a stale Conn never reaches
// a reused descriptor.
package reactor
