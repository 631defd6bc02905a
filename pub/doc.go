// Package pub is nanoQ's publisher: Publish appends a frame to the stream's
// bounded outbound ring (the one copy of the payload) and returns; the
// stream's event loop writes batches with one writev each. Every distinct
// stream key has its own connection, so order holds per key.
//
// A Publish that finds its stream idle writes the frame itself with one
// non-blocking writev instead of waking the loop (Options.NoDirectWrite
// turns it off). docs/pub.md describes batches, the bound and direct writes.
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
