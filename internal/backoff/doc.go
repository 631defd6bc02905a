// Package backoff yields jittered, exponentially growing delays for
// redialing. A Backoff is not safe for concurrent use: it belongs to whichever
// goroutine drives one retry series (for a publisher stream, the goroutine
// that redials it). Next neither allocates nor locks; its randomness comes
// from math/rand/v2's per-thread generator.
package backoff
