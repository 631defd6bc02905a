package ring

import (
	"encoding/binary"
	"runtime"
)

// laneResult is what Lane.take found.
type laneResult uint8

const (
	laneEmpty laneResult = iota // no published frame
	laneTaken                   // a frame was taken
	laneBusy                    // another goroutine holds the lane's lock
)

// lock takes the consumers' lock without waiting; f is free's value before.
func (l *Lane) lock() (f uint64, ok bool) {
	f = l.free.Load()
	return f, f&laneLocked == 0 && l.free.CompareAndSwap(f, f|laneLocked)
}

// unlockPos is where free goes on unlocking: the first claimed record not
// yet taken, or head when there is none (the records below head are taken
// or dropped). Lock holder only.
func (l *Lane) unlockPos() uint64 {
	if l.next != l.claimed {
		return l.next
	}
	return l.head.Load()
}

// unlock releases the lock taken when free was f, never moving free back,
// and returns free's position.
func (l *Lane) unlock(f uint64) uint64 {
	p := max(f, l.unlockPos())
	l.free.Store(p)
	return p
}

// take copies the oldest record's payload into buf[:cap(buf)], unless it
// does not fit: then n > cap(buf) and nothing is copied. It claims records
// from head a batch at a time under the lock, so most takes only lock, copy
// and unlock. Any goroutine.
func (l *Lane) take(buf []byte) (n int, stream uint32, r laneResult) {
	f := l.free.Load()
	if f&laneLocked != 0 {
		return 0, 0, laneBusy
	}
	t := l.tail.Load()
	if f == t { // nothing claimed, dropped or published beyond free
		return 0, 0, laneEmpty
	}
	if !l.free.CompareAndSwap(f, f|laneLocked) {
		return 0, 0, laneBusy
	}
	// Loaded after t: this buffer holds every record below t, and the
	// claimed ones (it holds all from free up).
	mem := *l.buf.Load()
	mask := uint64(len(mem) - 1)
	if l.next == l.claimed && !l.claimBatch(mem, t) {
		l.unlock(f)
		return 0, 0, laneEmpty
	}
	h := l.next
	hdr := binary.LittleEndian.Uint64(mem[h&mask:])
	n, stream = int(uint32(hdr)), uint32(hdr>>32)
	rec := recordSize(n)
	if n <= cap(buf) {
		i := (h + recordHeader) & mask
		k := copy(buf[:n], mem[i:])
		copy(buf[k:n], mem)
	}
	l.next += rec
	if l.streak++; l.streak == laneTurn {
		l.streak = 0
		if n := len(l.q.lanes); n > 1 {
			l.q.next.Store(uint32((l.idx + 1) % n))
		}
	}
	// Give the budget back a chunk at a time, and whenever the claimed
	// batch runs out (reserve collects the rest when it runs short).
	if l.freed += int64(rec); l.freed >= l.q.chunk || l.next == l.claimed {
		l.q.used.Add(-l.freed)
		l.freed = 0
	}
	l.free.Store(l.next) // unlock: l.next < l.claimed, or == head then
	return n, stream, laneTaken
}

// claimBatch claims the published records from head, up to a chunk of
// them and below t, for takes to come. Lock holder only; it fails when
// there are none. mem is a buffer loaded after t was.
func (l *Lane) claimBatch(mem []byte, t uint64) bool {
	for {
		h := l.head.Load()
		if h >= t {
			return false
		}
		end, _, _ := walk(mem, h, t, uint64(l.q.chunk))
		if l.head.CompareAndSwap(h, end) {
			l.next, l.claimed = h, end
			return true
		}
		// The lane's producer dropped records meanwhile; look again.
	}
}

// collect gives Queue.used the budget takes freed, unless a Get holds the lane.
func (l *Lane) collect() {
	f, ok := l.lock()
	if !ok {
		return
	}
	if l.freed != 0 {
		l.q.used.Add(-l.freed)
		l.freed = 0
	}
	l.unlock(f)
}

// walk returns the end of the whole records from h on that make at least
// want bytes, or all of those below t, with their number and payload bytes.
func walk(mem []byte, h, t, want uint64) (end uint64, frames, payload int) {
	mask := uint64(len(mem) - 1)
	for end = h; end < t && end-h < want; frames++ {
		n := int(uint32(binary.LittleEndian.Uint64(mem[end&mask:])))
		end += recordSize(n)
		payload += n
	}
	return end, frames, payload
}

// dropHead drops the oldest unclaimed records of l, at least want bytes if
// it has them, for another lane's producer that needs the budget, and
// counts them in d. It fails when l has none or a Get holds it.
func (l *Lane) dropHead(d *Dropped, want uint64) bool {
	f, ok := l.lock()
	if !ok {
		return false
	}
	ok = l.dropClaimed(d, want)
	l.unlock(f)
	return ok
}

// dropClaimed claims published records from head, at least want bytes or
// all there are, and counts them in d as dropped. Lock holder only.
func (l *Lane) dropClaimed(d *Dropped, want uint64) bool {
	t := l.tail.Load()
	p := l.buf.Load()
	if p == nil {
		return false // trimmed: empty
	}
	for {
		h := l.head.Load()
		if h >= t {
			return false
		}
		end, frames, payload := walk(*p, h, t, want)
		if l.head.CompareAndSwap(h, end) {
			l.q.used.Add(-int64(end - h))
			d.Frames, d.Bytes = d.Frames+frames, d.Bytes+payload
			return true
		}
	}
}

// dropOwn drops the lane's own oldest unclaimed records, at least want
// bytes if there are, publishing the batch first when nothing published is
// left, and counts them in d. Producer only: it reads headers without the
// lock, since only it writes the buffer.
func (l *Lane) dropOwn(d *Dropped, want uint64) bool {
	for {
		h := l.head.Load()
		if h == l.pub {
			if l.end == l.pub {
				return false
			}
			l.publishTail()
			continue
		}
		end, frames, payload := walk(*l.mem, h, l.pub, want)
		if l.head.CompareAndSwap(h, end) {
			l.q.used.Add(-int64(end - h))
			d.Frames, d.Bytes = d.Frames+frames, d.Bytes+payload
			return true
		}
	}
}

// discard drops every record, claimed or published, and counts it in d,
// waiting for a Get that holds the lane. Close and Publish after Close only.
func (l *Lane) discard(d *Dropped) {
	f, ok := l.lock()
	for ; !ok; f, ok = l.lock() {
		runtime.Gosched()
	}
	if l.next != l.claimed {
		_, frames, payload := walk(*l.buf.Load(), l.next, l.claimed, ^uint64(0))
		d.Frames, d.Bytes = d.Frames+frames, d.Bytes+payload
		l.freed += int64(l.claimed - l.next)
		l.next = l.claimed
	}
	if l.freed != 0 {
		l.q.used.Add(-l.freed)
		l.freed = 0
	}
	l.dropClaimed(d, ^uint64(0))
	l.unlock(f)
}
