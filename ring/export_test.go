package ring

// Methods only the tests use: the blocking forms of TryPut and
// TryPeekBytes.

// Put appends uvarint(len(payload))‖payload as one frame. When it does not
// fit, the oldest whole frames are dropped to make room; only while those
// bytes are in flight (between Peek and Release) is the new frame dropped
// instead. A frame larger than limit is dropped (Incoming). The result reports
// exactly the frames and encoded bytes this call dropped.
//
// Put is safe for concurrent use; callers serialize on the ring's lock but
// never wait for the consumer. Zero allocations once the ring has grown. On
// a sealed ring Put does nothing and reports nothing (see TryPut).
func (b *Bytes) Put(payload []byte) Dropped {
	d, _ := b.TryPut(payload)
	return d
}

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
	first, second = b.PeekBytes(max)
	return first, second, b.Frames()
}

// PeekBytes is Peek without the frame count, which Frames gives later.
// When everything buffered fits in max it does not walk the frames: a
// consumer that writes the bytes first and counts them afterwards then
// reads their headers from its own cache, after the kernel's copy, instead
// of missing on each header in turn before it.
func (b *Bytes) PeekBytes(max int) (first, second []byte) {
	first, second, busy := b.TryPeekBytes(max)
	if busy {
		panic("ring: Bytes.Peek called again before Release, or by two goroutines at once")
	}
	return first, second
}
