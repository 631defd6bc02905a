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

// The parse functions return these preallocated values (or ErrTooBig), so an
// error costs no allocation; both wrap ErrMalformed (see hdrTooLong, hdrOverflow).
var (
	errTooLong  = fmt.Errorf("%w: uvarint longer than %d bytes", ErrMalformed, MaxHeaderLen)
	errOverflow = fmt.Errorf("%w: uvarint overflows 64 bits", ErrMalformed)
)
