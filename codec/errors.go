package codec

import (
	"errors"
	"fmt"
)

var (
	// ErrTooBig reports a frame whose payload length exceeds the caller's maximum.
	ErrTooBig = errors.New("nanoq: payload too big")
	// ErrMalformed reports a length prefix that is not a valid uvarint
	// (longer than 10 bytes, or overflowing 64 bits).
	ErrMalformed = errors.New("nanoq: malformed frame header")
)

// The parse functions return these preallocated values (or ErrTooBig itself),
// so that an error costs no allocation on the hot path. Both wrap ErrMalformed.
var (
	// errTooLong: the 10th byte of the prefix still has its continuation bit set.
	errTooLong = fmt.Errorf("%w: uvarint longer than %d bytes", ErrMalformed, MaxHeaderLen)
	// errOverflow: the 10th byte carries bits beyond bit 63.
	errOverflow = fmt.Errorf("%w: uvarint overflows 64 bits", ErrMalformed)
)
