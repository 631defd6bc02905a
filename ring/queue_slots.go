package ring

import "sync/atomic"

// This file holds the Queue's slot array: a bounded MPMC array queue after
// Dmitry Vyukov ("Bounded MPMC queue", 1024cores.net). Positions are
// free-running uint64; slot i serves positions p with p&mask == i. Each slot
// carries a sequence number that says whose turn it is:
//
//	seq == p        free: the producer that claims position p (CAS on enq) fills it
//	seq == p+1      full: the consumer that claims position p (CAS on deq) empties it
//
// The goroutine that won the CAS for p owns the slot's other fields until it
// stores the next sequence number (p+1 after filling, p+len(slots) after
// emptying); that store publishes its writes to the next owner.
//
// Both windows of ownership are a few loads and stores long: the payload is
// copied into its buffer before a producer claims a slot, and a consumer takes
// the buffer pointer out and frees the slot before it copies to the caller.

// queueSlot is one cell of the array. seq is atomic; buf and stream belong to
// the owner described above.
type queueSlot struct {
	seq    atomic.Uint64
	buf    *[]byte // the frame's payload, len(*buf) bytes; nil when free
	stream uint32
}

// tryEnqueue puts the frame into the slot of the next position and returns
// that position. ok is false when the array is full: the slot still holds the
// frame one lap older, or a consumer is emptying it right now.
func (q *Queue) tryEnqueue(stream uint32, buf *[]byte) (pos uint64, ok bool) {
	for {
		pos = q.enq.Load()
		s := &q.slots[pos&q.mask]
		// Subtract as uint64, then compare signed: positions wrap, and an
		// unsigned difference is never negative.
		switch dif := int64(s.seq.Load() - pos); {
		case dif == 0:
			if q.enq.CompareAndSwap(pos, pos+1) {
				s.buf, s.stream = buf, stream
				s.seq.Store(pos + 1)
				return pos, true
			}
		case dif < 0:
			return pos, false
		}
		// dif > 0, or a lost CAS: another producer took pos; try the next one.
	}
}

// tryDequeue takes the oldest frame out of the array and subtracts its bytes
// from q.bytes. ok is false when the array is empty, or when the producer of
// the oldest position has claimed it but not yet filled it (that producer
// signals after it publishes). Used by Get, by Put to drop the oldest, and by
// Close to drain.
func (q *Queue) tryDequeue() (pos uint64, buf *[]byte, stream uint32, ok bool) {
	for {
		pos = q.deq.Load()
		s := &q.slots[pos&q.mask]
		switch dif := int64(s.seq.Load() - (pos + 1)); {
		case dif == 0:
			if q.deq.CompareAndSwap(pos, pos+1) {
				buf, stream = s.buf, s.stream
				s.buf = nil
				s.seq.Store(pos + q.mask + 1)
				q.bytes.Add(-int64(len(*buf)))
				return pos, buf, stream, true
			}
		case dif < 0:
			return pos, nil, 0, false
		}
		// dif > 0, or a lost CAS: another consumer took pos; try the next one.
	}
}

// pending reports whether the oldest position holds a published frame now.
func (q *Queue) pending() bool {
	pos := q.deq.Load()
	return q.slots[pos&q.mask].seq.Load() == pos+1
}
