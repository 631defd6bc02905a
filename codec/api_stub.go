package codec

import "errors"

// This file fixes the package's API. The implementer replaces the bodies
// (and may split the file) but keeps every name and signature.

var (
	// ErrTooBig reports a frame whose payload length exceeds the caller's maximum.
	ErrTooBig = errors.New("nanoq: payload too big")
	// ErrMalformed reports a length prefix that is not a valid uvarint
	// (longer than 10 bytes, or overflowing 64 bits).
	ErrMalformed = errors.New("nanoq: malformed frame header")
)

// MaxHeaderLen is the longest length prefix the codec accepts (a 64-bit uvarint).
const MaxHeaderLen = 10

// HeaderLen returns the length of the uvarint prefix for an n-byte payload.
func HeaderLen(n int) int { panic("unimplemented") }

// PutHeader writes the uvarint prefix for an n-byte payload into dst, which
// must have room for HeaderLen(n) bytes, and returns the bytes written.
func PutHeader(dst []byte, n int) int { panic("unimplemented") }

// AppendFrame appends uvarint(len(payload)) followed by payload to dst.
func AppendFrame(dst, payload []byte) []byte { panic("unimplemented") }

// Parse reads the first frame from p.
//
// On success it returns the payload (aliasing p), n = bytes consumed (header
// plus payload, > 0) and need = 0. When p holds only part of a frame it
// returns n = 0 and need > 0: the exact number of bytes still missing when
// the header is complete, else 1. A length above max returns ErrTooBig, a bad
// varint ErrMalformed; both wrapped so errors.Is works. Never allocates.
func Parse(p []byte, max int) (payload []byte, n, need int, err error) { panic("unimplemented") }

// Frame is a parsed payload that may lie in two pieces: Head, then Tail
// (non-empty only when the payload crosses from the first segment to the second).
type Frame struct {
	Head, Tail []byte
}

// Len returns the payload length.
func (f Frame) Len() int { return len(f.Head) + len(f.Tail) }

// CopyTo copies the payload into dst and returns the bytes copied.
func (f Frame) CopyTo(dst []byte) int { panic("unimplemented") }

// Parse2 is Parse over the logical concatenation a‖b (the two readable halves
// of a wrapped ring). A payload inside one segment is returned without copying;
// a header split across the segments is decoded. n counts bytes of a‖b consumed.
func Parse2(a, b []byte, max int) (f Frame, n, need int, err error) { panic("unimplemented") }
