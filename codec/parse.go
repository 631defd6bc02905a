package codec

// Parse reads the first frame from p. On success it returns the payload,
// n = bytes consumed (header plus payload, > 0) and need = 0. The payload
// aliases p (its capacity ends with the payload, so appending to it never
// overwrites the next frame) and is valid while p's bytes stay unchanged.
// When p holds only part of a frame it returns n = 0 and need > 0: the
// exact number of bytes still missing once the header is complete, else 1.
//
// A payload length above max returns ErrTooBig as soon as the header is
// complete, before the payload has arrived; a negative max rejects every
// frame. A prefix longer than MaxHeaderLen bytes, or one that overflows 64
// bits, returns an error wrapping ErrMalformed. After an error n and need
// are 0 and the stream cannot be resynchronized. Parse never allocates,
// errors included. It is safe for concurrent use.
func Parse(p []byte, max int) (payload []byte, n, need int, err error) {
	// Fast path: a complete frame with a 1-byte header within max. The rest
	// is out of line in parse, so this path stays a few instructions with no
	// spills (Parse itself is not inlined: calling parse takes the budget).
	if len(p) != 0 && p[0] <= oneByteMax && int(p[0]) < len(p) && int(p[0]) <= max {
		end := 1 + int(p[0])
		return p[1:end:end], end, 0, nil
	}
	return parse(p, max)
}

// parse is Parse for an empty p or a header of 2 bytes or more.
func parse(p []byte, max int) ([]byte, int, int, error) {
	x, k := uvarint(p)
	if k <= 0 {
		need, err := headerFail(k)
		return nil, 0, need, err
	}
	l, err := checkLen(x, max)
	if err != nil {
		return nil, 0, 0, err
	}
	if avail := len(p) - k; l > avail {
		return nil, 0, l - avail, nil
	}
	end := k + l
	return p[k:end:end], end, 0, nil
}

// Results of uvarint other than a positive header length.
const (
	hdrShort    = 0  // p ends before the header does
	hdrTooLong  = -1 // the 10th byte has its continuation bit set
	hdrOverflow = -2 // the 10th byte holds bits above bit 63
)

// uvarint decodes the uvarint at the start of p and returns its value and
// its length k > 0, or k = hdrShort, hdrTooLong or hdrOverflow. It agrees
// with encoding/binary.Uvarint on every input except one: when the first 10
// bytes all have the continuation bit set, Uvarint waits for an 11th byte
// (reports "too short") while uvarint reports hdrTooLong at once, as
// encoding/binary.ReadUvarint does; no 11th byte can make such a prefix valid.
func uvarint(p []byte) (x uint64, k int) {
	for i, b := range p {
		if i == MaxHeaderLen-1 {
			// The 10th byte may only hold bit 63: 0 or 1, and no continuation.
			if b >= 0x80 {
				return 0, hdrTooLong
			}
			if b > 1 {
				return 0, hdrOverflow
			}
		}
		if b < 0x80 {
			return x | uint64(b)<<(7*i), i + 1
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, hdrShort
}

// headerFail maps a failed uvarint result to Parse's need and error.
func headerFail(k int) (need int, err error) {
	switch k {
	case hdrTooLong:
		return 0, errTooLong
	case hdrOverflow:
		return 0, errOverflow
	}
	return 1, nil // hdrShort
}

// checkLen converts a decoded length to int, or returns ErrTooBig when it
// exceeds max. The comparison is done in uint64, so a length above
// math.MaxInt is rejected and never turns into a negative int.
func checkLen(x uint64, max int) (int, error) {
	if max < 0 || x > uint64(max) {
		return 0, ErrTooBig
	}
	return int(x), nil
}
