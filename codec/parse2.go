package codec

// Frame is a parsed payload that may lie in two pieces: Head, then Tail
// (non-empty only when the payload crosses from the first segment to the
// second). Both alias the segments given to Parse2 and are valid while the
// caller keeps those bytes unchanged.
type Frame struct {
	Head, Tail []byte
}

// Parse2 is Parse over the logical concatenation a‖b (the two readable
// halves of a wrapped ring): results, need and errors are exactly those of
// Parse(a‖b, max), n counting bytes of a‖b. A header split across the
// segments is decoded; the payload, never copied, is in f.Head, or in f.Head
// then f.Tail when it starts in a and ends in b. Parse2 never allocates,
// errors included. It is safe for concurrent use.
//
// Per small frame Parse2 costs a few times what Parse does (a 48-byte Frame
// goes through memory, not registers): a reader draining a ring can call
// Parse on the first segment while it holds the whole next frame, and
// Parse2 only for the one that straddles the wrap.
func Parse2(a, b []byte, max int) (f Frame, n, need int, err error) {
	// Fast path, as in Parse: a complete frame inside a, 1-byte header, within max.
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
		need, err := headerFail(k)
		return Frame{}, 0, need, err
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
