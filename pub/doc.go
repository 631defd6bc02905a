// Package pub is nanoQ's publisher: Publish appends a frame to the stream's
// bounded outbound ring (the one copy of the payload) and returns; the
// stream's event loop writes batches with one writev each. Every distinct
// stream key has its own connection, so order holds per key.
//
// Direct writes: a Publish that finds its stream idle (the loop has nothing
// pending, holds no output for the connection, and last wrote the stream one
// frame at a time) writes the frame itself with one non-blocking writev, on a
// descriptor of its own for the socket, instead of waking the loop: half the
// latency at low rates where idle CPUs sleep. Busy streams batch on the loop;
// what the socket does not take goes back to the ring or, if partly written,
// to the loop. Options.NoDirectWrite turns it off.
//
// Every exported method is safe for concurrent use unless its comment says
// otherwise. Publish never blocks on the network. When a subscriber is slow
// or away, a stream's buffer drops its oldest messages to make room, and
// every message that does not reach the socket is counted lost with a
// reason (see package metrics). A producer that would rather wait than lose
// messages can pace itself on Stream.Buffered.
//
// Goroutines per Publisher: the event loops (shared by default), a few
// dialers and one timer goroutine, whatever the number of streams.
package pub
