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
// # Concurrency contract
//
//   - Reactor methods (Start, NumLoops, Loop, Enroll, Close) are safe for
//     concurrent use, but Enroll and Close must not be called from an event
//     loop: Enroll waits for a loop to run OnOpen, Close waits for every loop
//     to exit.
//   - Loop.Index and Loop.Post are safe from any goroutine, including loops.
//   - Handler methods run on the connection's loop and must not block.
//   - Conn.Loop, Conn.RemoteAddr and Conn.DirectWriter are safe from any
//     goroutine. Every other Conn method must be called on the
//     connection's loop (from a Handler method or a Task posted to
//     Conn.Loop()).
//   - Loop.Idle and Task.Pending are snapshots, safe from any goroutine.
//   - A DirectWriter (EnrollDirect) writes to a connection's socket from any
//     goroutine, between Begin and Finish, on a duplicate descriptor; the
//     caller keeps its writes apart from the loop's (see DirectWriter).
//
// # Safety against descriptor reuse
//
// gnet's synchronous writes do not check that a connection is still open:
// once its descriptor number is reused, they reach another peer. Conn keeps
// its own open flag (set before OnOpen, cleared before OnClose), checked by
// every Conn method, so a stale Conn never touches a descriptor again. A
// DirectWriter's duplicate closes only once the connection has closed and no
// direct write is in progress, so its number is never reused under a writer.
package reactor
