package codec

// Frame is a parsed payload that may lie in two pieces: Head, then Tail
// (non-empty only when the payload crosses from the first segment to the second).
//
// Both pieces alias the segments given to Parse2 and are valid for as long
// as the caller keeps those bytes unchanged. A payload that lies inside one
// segment is entirely in Head, with Tail empty.
type Frame struct {
	Head, Tail []byte
}

// Len returns the payload length.
func (f Frame) Len() int { return len(f.Head) + len(f.Tail) }

// Parse2 is Parse over the logical concatenation a‖b (the two readable halves
// of a wrapped ring). A payload inside one segment is returned without copying;
// a header split across the segments is decoded. n counts bytes of a‖b consumed.
//
// Results, need and errors are exactly those of Parse(a‖b, max); the payload
// is in f.Head, or in f.Head then f.Tail when it starts in a and ends in b.
// Parse2 never allocates, errors included. It is safe for concurrent use.
//
// Parse2 costs a few times what Parse does per small frame: a Frame
// (48 bytes) is too large for the compiler to keep in registers, so it goes
// through memory in Parse2 and in its caller. A reader that drains a ring
// can call Parse on the first segment while it still holds the whole next
// frame, and Parse2 only for the frame that straddles the wrap.
func Parse2(a, b []byte, max int) (f Frame, n, need int, err error) {
	// Fast path, as in Parse: a complete frame inside a with a 1-byte
	// header (payload < 128 bytes) within max.
	if len(a) != 0 && a[0] <= oneByteMax && int(a[0]) < len(a) && int(a[0]) <= max {
		end := 1 + int(a[0])
		return Frame{Head: a[1:end:end]}, end, 0, nil
	}
	return parse2(a, b, max)
}

// parse2 is Parse2 for every case but the inlined fast path.
func parse2(a, b []byte, max int) (Frame, int, int, error) {
	if len(a) == 0 {
		p, n, need, err := Parse(b, max)
		return Frame{Head: p}, n, need, err
	}
	x, k := uvarint(a)
	if k == hdrShort {
		// The header may continue in b (a is then shorter than MaxHeaderLen,
		// since uvarint decides within 10 bytes): decode it from a copy.
		var tmp [MaxHeaderLen]byte
		c := copy(tmp[:], a)
		c += copy(tmp[c:], b)
		x, k = uvarint(tmp[:c])
	}
	if k <= 0 {
		return Frame{}, 0, headerNeed(k), headerErr(k)
	}
	l, err := checkLen(x, max)
	if err != nil {
		return Frame{}, 0, 0, err
	}
	if avail := len(a) - k + len(b); l > avail {
		return Frame{}, 0, l - avail, nil
	}
	end := k + l
	switch {
	case k >= len(a): // payload entirely in b
		off := k - len(a)
		return Frame{Head: b[off : off+l : off+l]}, end, 0, nil
	case end <= len(a): // payload entirely in a
		return Frame{Head: a[k:end:end]}, end, 0, nil
	default: // payload starts in a and ends in b
		t := end - len(a)
		return Frame{Head: a[k:len(a):len(a)], Tail: b[:t:t]}, end, 0, nil
	}
}
