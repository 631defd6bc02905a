package ring

// TryPeekBytes takes whole frames from the head for one writev: at most
// max bytes, or the first frame alone when it is larger than max (or max <=
// 0). first and second are the readable bytes before and after the wrap
// (second is empty unless the taken bytes wrap); Frames counts them later.
// The bytes stay valid and untouched by producers until Release. It takes
// nothing when the ring is empty, and reports busy when another Peek is in
// flight (not yet Released or
// given back by Unpeek). The in-flight bit, set by CAS, is what passes the
// consumer role from one goroutine to the next, so several goroutines may
// call TryPeekBytes; the one that took frames is the consumer until its
// Release or Unpeek, and only it may call Frames, Release or Unpeek.
// After a TryPeekBytes that took nothing (empty or busy), do not Release.
func (b *Bytes) TryPeekBytes(max int) (first, second []byte, busy bool) {
	var h uint64
	for {
		hw := b.head.Load()
		if hw&bytesInFlight != 0 {
			return nil, nil, true
		}
		if b.tail.Load()&^tailLocked == hw { // no flags are set in hw here
			return nil, nil, false
		}
		// Only a producer dropping frames can make this fail; it moved
		// the head forward, so retrying makes progress.
		if b.head.CompareAndSwap(hw, hw|bytesInFlight) {
			h = hw
			break
		}
	}
	// The consumer fields below belong to this goroutine from here on: the
	// CAS above came after the previous holder's Release or Unpeek.
	// Load tail before buf: a producer stores a new buf before any tail
	// that needs it, and copies [h, tail) into it first, so the buffer
	// loaded holds every byte of [h, t).
	t := b.tail.Load() &^ tailLocked
	p := *b.buf.Load()

	end, frames := t, -1 // all of it; frames unknown until Frames counts them
	if max > 0 && t-h <= uint64(max) {
		// The common case: publish the end at once. Discard, on the
		// loop, yields until it sees it (see flight), and another
		// goroutine may be this consumer (see TryPeekBytes).
		b.flight.Store(end)
	} else {
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
	if frames >= 0 {
		b.flight.Store(end)
	}
	b.peeked, b.peekEnd = true, end
	b.peekStart, b.peekFrames = h, frames

	size := uint64(len(p))
	i, n := h&(size-1), end-h
	if i+n <= size {
		return p[i : i+n : i+n], nil, false
	}
	return p[i:size:size], p[: n-(size-i) : n-(size-i)], false
}

// Peeked returns the bytes taken by the Peek in flight again, as that Peek
// returned them (from the current buffer, which holds the same bytes).
// For a consumer that takes over another goroutine's Peek. Consumer only,
// before Release or Unpeek.
func (b *Bytes) Peeked() (first, second []byte) {
	if !b.peeked {
		return nil, nil
	}
	p := *b.buf.Load()
	size := uint64(len(p))
	i, n := b.peekStart&(size-1), b.peekEnd-b.peekStart
	if i+n <= size {
		return p[i : i+n : i+n], nil
	}
	return p[i:size:size], p[: n-(size-i) : n-(size-i)]
}

// Frames returns the number of frames the last PeekBytes took (0 if it took
// none), counting them on the first call. Consumer only, before Release
// (after it, 0).
func (b *Bytes) Frames() int {
	if b.peekFrames < 0 {
		// The current buffer holds the bytes in flight, even if a Put
		// replaced the one PeekBytes loaded (see buf).
		b.peekFrames = bytesCountFrames(*b.buf.Load(), b.peekStart, b.peekEnd)
	}
	return b.peekFrames
}

// Release gives back everything taken by the last Peek; the slices it
// returned must no longer be used. Consumer only; a Release without a Peek
// does nothing. Never blocks: its CAS fails only when Discard changed the
// head word, and then it retries with the new word.
func (b *Bytes) Release() {
	if !b.peeked {
		return
	}
	b.peeked, b.peekFrames = false, 0
	for {
		hw := b.head.Load()
		next := b.peekEnd
		if hw&bytesCut != 0 {
			next = hw &^ bytesFlags
		}
		if b.head.CompareAndSwap(hw, next) {
			return
		}
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
	// flight must not keep this Peek's end: Discard takes a flight above
	// the head position for the end of the Peek in flight, and the next
	// Peek starts at the same position. Store it before the bit clears.
	b.flight.Store(b.peekStart)
	for {
		hw := b.head.Load()
		next := b.peekStart
		if hw&bytesCut != 0 {
			next = hw &^ bytesFlags
			d = Dropped{Frames: frames, Bytes: int(b.peekEnd - b.peekStart)}
		}
		if b.head.CompareAndSwap(hw, next) {
			return d
		}
	}
}
