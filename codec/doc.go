// Package codec is nanoQ's frame format: it encodes length prefixes and
// parses frames out of one contiguous byte slice or out of two segments
// (the readable halves of a ring buffer that wraps). It does no I/O, never
// allocates and has no state: every function is safe for concurrent use.
//
// Each frame is the payload's length as an unsigned varint (what
// encoding/binary.PutUvarint writes), then the payload; nothing else is on the
// wire. Input is read as encoding/binary reads it, so streams interoperate with
// the original nanoQ both ways. docs/wire.md has the byte-level format.
//
// # Parsing
//
// Parse and Parse2 return one frame per call and report partial input with
// n = 0 and need > 0, so a caller can parse everything it holds and keep the
// rest for the next read. Payloads alias the input and are never copied:
// one that crosses from the first segment to the second comes back in two
// pieces (Frame.Head, Frame.Tail).
package codec
