package ring

// TryPeekBytes takes whole frames from the head for one writev: at most max
// bytes, or the first frame alone when it is larger than max (or max <= 0).
// first and second are the readable bytes before and after the wrap (second
// is empty unless they wrap); Frames counts them later. The bytes stay valid
// and untouched by producers until Release. It takes nothing when the ring
// is empty, and reports busy while another Peek is in flight (not yet
// Released or Unpeeked). Several goroutines may call it: the one that took
// frames is the consumer until its Release or Unpeek, and only it may call
// Frames, Release or Unpeek. After one that took nothing, do not Release.
func (b *Bytes) TryPeekBytes(max int) (first, second []byte, busy bool) {
	var h uint64
	for {
		h = b.head.Load()
		if h&bytesInFlight != 0 {
			return nil, nil, true
		}
		if b.tail.Load()&^tailLocked == h { // no flags are set in h here
			return nil, nil, false
		}
		// Only a producer dropping frames can make this fail; it moved
		// the head forward, so retrying makes progress.
		if b.head.CompareAndSwap(h, h|bytesInFlight) {
			break
		}
	}
	// The consumer fields belong to this goroutine now: the CAS came after
	// the previous holder's Release or Unpeek. Tail before buf: a producer
	// copies [h, tail) into a new buf and stores it before any tail that
	// needs it, so the buffer loaded holds every byte of [h, t).
	t := b.tail.Load() &^ tailLocked
	p := *b.buf.Load()

	end, frames := t, -1 // the common case: all of it, uncounted until Frames
	if max <= 0 || t-h > uint64(max) {
		// Walk whole frames up to max bytes (the first one at least).
		end, frames = h+bytesFrameLen(p, h), 1
		for max > 0 && end < t {
			next := end + bytesFrameLen(p, end)
			if next > h+uint64(max) {
				break
			}
			end = next
			frames++
		}
	}
	// Publish the end at once: Discard, on the loop, yields until it sees
	// it (see flight), and another goroutine may be this consumer.
	b.flight.Store(end)
	b.peeked, b.peekEnd = true, end
	b.peekStart, b.peekFrames = h, frames
	first, second = bytesSlices(p, h, end)
	return first, second, false
}

// Peeked returns again the bytes the Peek in flight took, from the current
// buffer (which holds the same bytes), for a consumer taking over another
// goroutine's Peek. Consumer only, before Release or Unpeek.
func (b *Bytes) Peeked() (first, second []byte) {
	if !b.peeked {
		return nil, nil
	}
	return bytesSlices(*b.buf.Load(), b.peekStart, b.peekEnd)
}

// Frames returns the number of frames the last Peek took (0 if none),
// counting them on the first call. Consumer only, before Release (after: 0).
func (b *Bytes) Frames() int {
	if b.peekFrames < 0 {
		// The current buffer holds the bytes in flight, even if a Put
		// replaced the one Peek loaded (see buf).
		_, b.peekFrames = bytesSkip(*b.buf.Load(), b.peekStart, b.peekEnd-b.peekStart)
	}
	return b.peekFrames
}

// Release gives back everything taken by the last Peek; the slices it
// returned must no longer be used. Consumer only; a Release without a Peek
// does nothing. Never blocks (see endFlight).
func (b *Bytes) Release() {
	if b.peeked {
		b.peeked, b.peekFrames = false, 0
		b.endFlight(b.peekEnd)
	}
}

// Unpeek gives the frames of the last Peek back without releasing them: they
// stay the oldest in the ring, for the next Peek (by any consumer). If
// Discard dropped the frames after them meanwhile (the stream is closing),
// they cannot stay and Unpeek drops them too, reporting them in d for the
// caller to count. Consumer only, after a Peek that took frames; the
// slices it returned must no longer be used. Never blocks.
func (b *Bytes) Unpeek() (d Dropped) {
	if !b.peeked {
		return d
	}
	frames := b.Frames()
	b.peeked, b.peekFrames = false, 0
	// Reset flight before the bit clears: the next Peek starts at the same
	// position, and Discard takes a flight above it for that Peek's end.
	b.flight.Store(b.peekStart)
	cut := Dropped{Frames: frames, Bytes: int(b.peekEnd - b.peekStart)} // before endFlight hands the fields on
	if b.endFlight(b.peekStart) {
		return cut
	}
	return d
}

// endFlight clears bytesInFlight, moving the head to pos, or where Discard's
// cut says, which it reports. Consumer only; once it returns, the consumer
// fields belong to the next consumer. Its CAS fails only when Discard
// changed the head word, and then it retries with the new word.
func (b *Bytes) endFlight(pos uint64) (cut bool) {
	for {
		hw := b.head.Load()
		next := pos
		if cut = hw&bytesCut != 0; cut {
			next = hw &^ bytesFlags
		}
		if b.head.CompareAndSwap(hw, next) {
			return cut
		}
	}
}
