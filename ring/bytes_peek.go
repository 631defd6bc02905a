package ring

// Peek takes whole frames from the head for one writev: at most max bytes,
// or the first frame alone when it is larger than max (or max <= 0). first
// and second are the readable bytes before and after the wrap (second is
// empty unless the taken bytes wrap). frames is the number of frames taken.
// The bytes stay valid and untouched by producers until Release. Returns
// zero values when the ring is empty.
//
// Consumer only: one goroutine at a time, each Peek followed by Release
// before the next. Peek never blocks and takes no lock; it panics if it
// detects a second Peek before Release.
func (b *Bytes) Peek(max int) (first, second []byte, frames int) {
	if b.peeked {
		panic("ring: Bytes.Peek called again before Release")
	}
	var h uint64
	for {
		hw := b.head.Load()
		if hw&bytesInFlight != 0 {
			panic("ring: Bytes.Peek called by two goroutines at once")
		}
		if b.tail.Load() == hw { // no flags are set here
			return nil, nil, 0
		}
		// Only a producer dropping frames can make this fail; it moved
		// the head forward, so retrying makes progress.
		if b.head.CompareAndSwap(hw, hw|bytesInFlight) {
			h = hw
			break
		}
	}
	// Load tail before buf: a producer stores a new buf before any tail
	// that needs it, and copies [h, tail) into it first, so the buffer
	// loaded holds every byte of [h, t).
	t := b.tail.Load()
	p := *b.buf.Load()

	end := h + bytesFrameLen(p, h)
	frames = 1
	if max > 0 {
		stop := h + uint64(max)
		for end < t {
			next := end + bytesFrameLen(p, end)
			if next > stop {
				break
			}
			end = next
			frames++
		}
	}
	b.flight.Store(end)
	b.peeked, b.peekEnd = true, end

	size := uint64(len(p))
	i, n := h&(size-1), end-h
	if i+n <= size {
		return p[i : i+n : i+n], nil, frames
	}
	return p[i:size:size], p[: n-(size-i) : n-(size-i)], frames
}

// Release gives back everything taken by the last Peek; the slices it
// returned must no longer be used. Consumer only; a Release without a Peek
// does nothing. Never blocks: its CAS fails only when Discard changed the
// head word, and then it retries with the new word.
func (b *Bytes) Release() {
	if !b.peeked {
		return
	}
	b.peeked = false
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
