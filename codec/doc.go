// Package codec is nanoQ's frame format: it appends frames to a buffer and
// parses them out of one contiguous byte slice or out of two segments (the
// readable halves of a ring buffer that wraps). It does no I/O and never
// allocates.
//
// # Wire format
//
// A stream is a sequence of frames with nothing in between: no handshake,
// no magic, no checksum, no acknowledgements. Each frame is the payload's
// length as an unsigned varint, then the payload:
//
//	+---------------------------+--------------------------------+
//	| uvarint(len(payload))     | payload                        |
//	| 1..10 bytes               | len(payload) bytes, opaque     |
//	+---------------------------+--------------------------------+
//
//	uvarint: 7 bits per byte, least significant group first; the high bit
//	(0x80) is set on every byte except the last.
//
//	  len 5      ->  05
//	  len 300    ->  AC 02           (300 = 2<<7 | 0x2C: 0x80|0x2C, then 0x02)
//	  len 16384  ->  80 80 01
//
// The header is exactly what encoding/binary.PutUvarint writes:
//
//	payload length                     header
//	0 .. 127                           1 byte
//	128 .. 16 383                      2 bytes
//	16 384 .. 2 097 151 (2 MiB - 1)    3 bytes
//	2 MiB .. 268 435 455 (256 MiB - 1) 4 bytes
//	256 MiB .. 32 GiB - 1              5 bytes
//	... 7 more bits per byte ...       up to 10 bytes (MaxHeaderLen) for 64 bits
//
// So payloads up to nanoQ's default MaxPayload of 10 MiB (10 485 760 bytes)
// cost 1 to 4 bytes of header, and any 32-bit length at most 5 (the "1-5
// bytes" the original nanoQ advertises).
//
// # Interoperability with the original nanoQ
//
// The original nanoQ writes the same uvarint prefix with encoding/binary and
// reads it back with it, so streams interoperate in both directions. On
// input this package accepts what encoding/binary accepts, including
// non-minimal (zero-padded) prefixes such as 80 00 for length 0, which no
// encoder here produces. A prefix whose 10th byte still has the continuation
// bit set, or carries bits above bit 63, is rejected with ErrMalformed as
// soon as that byte is seen, as encoding/binary.ReadUvarint does; the stream
// cannot be resynchronized after that and its connection should be closed.
//
// # Parsing
//
// Parse and Parse2 return one frame per call and report partial input with
// n = 0 and need > 0, so a caller can parse everything it holds and keep the
// rest for the next read. A length above the caller's maximum is reported
// with ErrTooBig as soon as the header is complete, before any of the
// payload needs to be buffered. Payloads alias the input: nothing is copied
// unless a payload crosses from the first segment to the second, and even
// then Parse2 returns the two pieces (Frame.Head, Frame.Tail) for the caller
// to copy once with Frame.CopyTo.
//
// # Concurrency
//
// The package has no state: every function is safe for concurrent use. The
// slices it returns alias the caller's buffers and are valid for as long as
// the caller keeps those bytes unchanged.
package codec
