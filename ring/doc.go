// Package ring holds nanoQ's bounded buffers between goroutines: [Bytes],
// the per-stream outbound ring of encoded frames (publisher goroutines →
// the stream's event loop), and [Queue], the subscriber's receive queue
// (event loops, one [Lane] each → Receive callers).
//
// Both are bounded and drop the oldest data when full, and every call that
// loses data reports it in a [Dropped], so callers can count each lost
// message exactly once. Neither ever makes an event loop wait for a user
// goroutine. Each method's comment says which goroutines may call it.
//
// # Bytes
//
// Ownership. Positions are free-running uint64 byte counts (they never wrap
// in practice: 2^62 bytes); the buffer length is a power of two and a
// position's byte lives at index pos & (len-1); the fill level is always
// tail - head, never a difference of indices.
//
//   - tail: one atomic word holding the position after the newest frame
//     and a lock bit that only producers (publishing goroutines) take, by
//     CAS, spinning briefly and then yielding while another holds it. The
//     holder writes the frame's bytes, then stores the new position with the
//     bit clear: one store unlocks and publishes. The event loop loads tail,
//     masks the bit and reads up to it. (A sync.Mutex beside the tail would
//     cost one more atomic read-modify-write per Put.)
//   - head: one atomic word holding the position of the oldest frame and two
//     flag bits. The event loop owns taking from it: Peek sets the in-flight
//     bit by CAS, Release CASes in the new position without the bit. A
//     producer that needs room CASes the head forward past whole oldest
//     frames, which it can do only while the in-flight bit is clear; while it
//     is set the bytes [head, Peek's end) belong to the loop, and a frame
//     that does not fit is dropped instead (Dropped.Incoming). Discard, while a
//     Peek is in flight, sets a cut bit and stores in the head word the
//     position Release must jump to.
//   - buf: stored by producers holding the lock; the loop loads it only after
//     setting the in-flight bit, and after loading tail.
//   - Turns: the consumer role passes with the in-flight bit. TryPeekBytes
//     reports busy instead of taking frames while another Peek is in
//     flight, and Unpeek clears the bit leaving the head where it was, so
//     several goroutines may take turns as the consumer (the publisher's
//     direct write, see package pub). The consumer's plain fields belong to
//     whoever set the bit; the CAS that sets it comes after the previous
//     holder's Release or Unpeek.
//
// The loop never takes the lock, never spins on a producer, and never
// blocks: its CASes fail only when a producer has just moved the head.
//
// Seal, under the lock, makes later Puts refuse (TryPut reports it): the
// publisher seals a closing stream's ring so that no Put can land after
// its final Discard, without a counter of publishers inside.
//
// Cache lines. The consumer's reads (the kernel's copy in writev) leave each
// line of a lap shared with the loop's core, and every Put ends with an
// atomic store that waits for the Put's writes. So a Put also claims the
// next 4 KiB of free lines at once (claimLines), and the following Puts write to
// lines their core already holds: one wait per 4 KiB instead of per frame.
//
// Memory follows what is buffered. A new ring holds no buffer; the first
// Put takes a small one (512 B) from a pool of power-of-two size classes,
// and a Put that needs more room than the buffer has, but within the limit,
// grows it by copying the occupied bytes into a larger pooled buffer. Growth
// never waits for the loop: a Peek in flight keeps reading the buffer it
// loaded (the copy holds the same bytes at the same positions), and the old
// buffer goes back to the pool once no Peek is in flight. (Copying, rather
// than linking a larger ring for the loop to switch to, keeps one buffer
// and one code path; it happens about log2(limit/512) times per burst.)
// Free, callable from any goroutine and never blocking (it only tries the
// lock), gives an empty ring's buffer back, so idle streams hold none.
//
// Budgets. Rings made by NewBytesIn charge their buffer sizes to a
// [Budget] (and its parent): on alloc and grow, under the producer lock,
// never per Put. When the budget cannot give what a grow needs, the Put
// shrinks the largest other rings first: it tries their producer lock (it
// never waits for it, so two rings reclaiming from each other cannot
// deadlock), skips any with a Peek in flight, drops their oldest frames
// that do not fit in half their buffer (reported through their budget's
// onDrop, so each is counted once), and copies the rest into a buffer of
// half the size, as grow does. When no ring is larger than what it wants,
// the ring keeps its buffer and drops its own oldest frames, as at its
// limit. The class lists that find the largest rings are updated on the
// same rare events, under the budget's mutex.
//
// References: the cursor discipline (free-running sequences, power-of-two
// masks, a producer-side cached copy of the consumer's cursor, cursors on
// separate cache lines) follows the LMAX Disruptor's sequencers
// (github.com/LMAX-Exchange/disruptor, SingleProducerSequencer). The
// in-flight flag claimed by CAS follows cilium/ebpf's ringbuf reader; the
// ownership prose follows Go's sync/poolqueue.go.
//
// # Queue
//
// The subscriber's receive queue is one [Lane] per event loop, so loops
// never contend with each other, plus shared state for the Get callers.
// A lane is a byte ring of records (an 8-byte header holding the payload
// length and the stream, then the payload, padded to 8 bytes) at
// free-running, 8-aligned positions in a power-of-two buffer.
//
//   - tail: the published end. The lane's producer (its event loop) writes
//     records beyond it and stores it once per batch (Publish, once per
//     traffic event), so Gets and the loop share that line once per batch,
//     not per frame.
//   - head: the oldest unclaimed record. Consumers claim records from it a
//     batch at a time (up to 64 KiB) with a CAS, then take them one per Get
//     without touching head again. The producer also CASes it forward
//     past its own published records to drop the oldest; it needs no lock
//     for that, because it is the only writer of the buffer, so its reads
//     of headers never race.
//   - free: the consumers' lock bit plus a position below which nobody
//     reads the buffer. A Get takes the bit with a CAS (never waiting: a
//     busy lane is skipped), copies one record out, and stores the
//     position after it, which also unlocks. The producer writes only
//     below free plus the buffer's length, so a record being copied is
//     never overwritten. Other lanes' producers take the bit to drop from
//     this lane when it holds the most.
//   - buf: replaced only by the producer (growth, Trim). The new buffer
//     holds the same bytes at the same positions from free up; a Get loads
//     tail before buf, so the buffer it loads holds every record below
//     that tail. The old buffer is pooled only when no Get held the lock
//     after the swap (Trim holds it itself); otherwise the GC takes it.
//   - Queue.used: the bound over all lanes. Producers reserve budget by
//     CAS a chunk at a time and give back what a batch did not spend at
//     Publish; Gets give it back a chunk at a time. A Put over the budget
//     drops the oldest records of the lane holding the most, or its own.
//
// Waking follows the same announce-then-look protocol as a condition
// variable, with atomics: a Get that finds nothing increments waiting,
// looks again, then blocks on a one-token channel; Publish stores tail,
// then signals only when waiting is non-zero. With sequentially consistent
// atomics one of the two sees the other, so no wake-up is lost; a Get that
// takes a frame while others wait passes the token on.
//
// Accounting: a record leaves a lane exactly once, by a successful CAS on
// head (claimed by a Get, or dropped and counted by the Put or Close that
// won the CAS) or, when claimed, by being taken or discarded under the lock.
package ring
