package ring

// Put copies payload into the queue, tagged with stream. Never blocks, never
// takes a lock a Get caller can hold; zero allocations in steady state. When
// the queue is full it drops the oldest frames to make room; the result
// counts every frame this call dropped and their payload bytes (not encoded
// bytes), the new frame included when Self is set.
func (q *Queue) Put(stream uint32, payload []byte) Dropped {
	n := len(payload)
	if q.closed.Load() || int64(n) > q.maxBytes {
		return Dropped{Frames: 1, Bytes: n, Self: true}
	}
	buf := queueGetBuf(n)
	copy(*buf, payload)
	var d Dropped
	if !q.reserve(int64(n), &d) {
		queuePutBuf(buf)
		return Dropped{Frames: d.Frames + 1, Bytes: d.Bytes + n, Self: true}
	}
	pos, ok := q.enqueue(stream, buf, &d)
	if !ok {
		q.bytes.Add(-int64(n))
		queuePutBuf(buf)
		return Dropped{Frames: d.Frames + 1, Bytes: d.Bytes + n, Self: true}
	}
	q.published(pos, &d)
	return d
}

// published ends a Put whose frame now sits at pos: it wakes a waiting Get,
// or, when the queue has been closed meanwhile, drains it (Close's drain
// may have stopped at this frame's slot before it was published), so every
// frame is reported exactly once.
func (q *Queue) published(pos uint64, d *Dropped) {
	if q.closed.Load() {
		q.drain(d, pos)
		return
	}
	if q.waiting.Load() > 0 {
		q.signal()
	}
}

// reserve adds n to q.bytes, dropping the oldest frames while it would
// exceed maxBytes. It fails when nothing is left to drop and the budget
// stays held by other Puts in progress.
func (q *Queue) reserve(n int64, d *Dropped) bool {
	var w queueStall
	for {
		b := q.bytes.Load()
		if b+n <= q.maxBytes {
			if q.bytes.CompareAndSwap(b, b+n) {
				return true
			}
			continue
		}
		if q.dropOldest(d) {
			continue
		}
		if w.stalled(q) {
			return false
		}
	}
}

// enqueue publishes buf in a slot, dropping the oldest frame while all slots
// are full. It fails when the slot it needs stays held by a goroutine in the
// middle of filling or emptying it.
func (q *Queue) enqueue(stream uint32, buf *[]byte, d *Dropped) (uint64, bool) {
	var w queueStall
	for {
		pos, ok := q.tryEnqueue(stream, buf)
		if ok {
			return pos, true
		}
		// The slot for pos is busy. Dropping the oldest frame frees it,
		// unless that frame is already taken and its slot about to be freed.
		if q.deq.Load()+q.mask+1 <= pos && q.dropOldest(d) {
			continue
		}
		if w.stalled(q) {
			return 0, false
		}
	}
}

// queueStall tells a Put that cannot go on whether it would be waiting on a
// stalled goroutine: true after queueMaxSpins tries in a row during which no
// frame was put or taken. While other goroutines make progress Put keeps
// trying: it is losing races, not waiting.
type queueStall struct {
	last  uint64
	spins int
}

func (w *queueStall) stalled(q *Queue) bool {
	// Both positions only grow, so their sum changes exactly when one moves.
	if now := q.enq.Load() + q.deq.Load(); now != w.last {
		w.last, w.spins = now, 0
		return false
	}
	w.spins++
	return w.spins > queueMaxSpins
}

// dropOldest discards the oldest frame, if any, and counts it in d.
func (q *Queue) dropOldest(d *Dropped) bool {
	_, buf, _, ok := q.tryDequeue()
	if !ok {
		return false
	}
	d.Frames++
	d.Bytes += len(*buf)
	queuePutBuf(buf)
	return true
}

// drain discards every frame that can be taken now and counts it in d; Self
// is set when the frame at position self is among them.
func (q *Queue) drain(d *Dropped, self uint64) {
	for {
		pos, buf, _, ok := q.tryDequeue()
		if !ok {
			return
		}
		if pos == self {
			d.Self = true
		}
		d.Frames++
		d.Bytes += len(*buf)
		queuePutBuf(buf)
	}
}
