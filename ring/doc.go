// Package ring holds nanoQ's bounded buffers between goroutines: [Bytes],
// the per-stream outbound ring of encoded frames (publisher goroutines →
// the stream's event loop), and [Queue], the subscriber's receive queue
// (event loops, one [Lane] each → Receive callers).
//
// Both are bounded and drop the oldest data when full, and every call that
// loses data reports it in a [Dropped], so callers can count each lost
// message exactly once. Neither ever makes an event loop wait for a user
// goroutine: the loop never takes a lock a user goroutine holds, never
// spins on one, and never blocks. Each method's comment says which
// goroutines may call it. docs/ring.md describes the cursors, the
// ownership of each word, growth, budgets and waking.
package ring
