// Package sub is nanoQ's subscriber: it binds an address, accepts publishers'
// connections onto gnet event loops, parses uvarint-prefixed frames straight
// out of the bytes the reactor read, and delivers each payload either to a
// Handler on the event loop (zero copies) or through a bounded queue to
// Receive: each loop copies the frames of a traffic event into its own lane
// of the queue and publishes them at once, and Receive copies one out, so a
// message is copied twice on its way to the caller's buffer and the loops
// never contend with each other. QueueBytes bounds the queue over all loops;
// when Listen's ctx ends, Receive still returns what is queued.
//
// Every exported method is safe for concurrent use unless its comment says
// otherwise. Goroutines per Subscriber: the reactor's event loops, four
// accepting goroutines and one timer goroutine, whatever the number of
// connections.
//
// Bad input (a length prefix over MaxPayload, a malformed varint) closes that
// one connection, is logged once and counted; it never affects other
// connections, and no memory is allocated for a claimed length before the
// bytes arrive: a partial frame's buffer grows with what was received.
package sub
