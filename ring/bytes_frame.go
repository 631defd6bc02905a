package ring

import "github.com/nanoq/nq/codec"

// Frame helpers over a power-of-two buffer at free-running positions (index
// = pos & (len(p)-1)): codec's frames, uvarint(len)‖payload, with the wrap.

// bytesWrite writes uvarint(len(payload))‖payload at position pos.
func bytesWrite(p []byte, pos uint64, payload []byte) {
	size := uint64(len(p))
	i := pos & (size - 1)
	if size-i >= codec.MaxHeaderLen {
		i += uint64(codec.PutHeader(p[i:], len(payload)))
	} else { // the header may cross the wrap
		var hdr [codec.MaxHeaderLen]byte
		h := codec.PutHeader(hdr[:], len(payload))
		bytesCopyIn(p, i, hdr[:h])
		i += uint64(h)
	}
	bytesCopyIn(p, i&(size-1), payload)
}

// bytesCopyIn copies src to index i of p, wrapping once at the end.
func bytesCopyIn(p []byte, i uint64, src []byte) {
	c := copy(p[i:], src)
	copy(p, src[c:])
}

// bytesFrameLen returns the encoded length, header included, of the frame
// at position pos.
func bytesFrameLen(p []byte, pos uint64) uint64 {
	mask := uint64(len(p) - 1)
	c := p[pos&mask]
	if c < 0x80 { // one-byte header: payloads below 128 bytes
		return uint64(c) + 1
	}
	x := uint64(c & 0x7f)
	for k := uint64(1); k < codec.MaxHeaderLen; k++ {
		c = p[(pos+k)&mask]
		x |= uint64(c&0x7f) << (7 * k)
		if c < 0x80 {
			return x + k + 1
		}
	}
	panic("ring: corrupt frame header") // only our own writes land here
}

// bytesSkip walks whole frames from pos until at least want bytes are passed
// and returns the position reached and the frames passed (want = to-pos: the
// frames in [pos, to)). The frames must exist.
func bytesSkip(p []byte, pos, want uint64) (next uint64, frames int) {
	next = pos
	for next-pos < want {
		next += bytesFrameLen(p, next)
		frames++
	}
	return next, frames
}

// bytesCopyRange copies the bytes of positions [from, to) from src to dst,
// two buffers of possibly different power-of-two sizes, both large enough.
func bytesCopyRange(dst, src []byte, from, to uint64) {
	dmask, smask := uint64(len(dst)-1), uint64(len(src)-1)
	for from < to {
		// Each piece stops at the end of the range or of either buffer.
		di, si := from&dmask, from&smask
		n := min(to-from, uint64(len(dst))-di, uint64(len(src))-si)
		copy(dst[di:di+n], src[si:si+n])
		from += n
	}
}

// bytesSlices returns positions [from, to) of p as the bytes before and
// after the wrap (second is nil unless they wrap), each with cap == len.
func bytesSlices(p []byte, from, to uint64) (first, second []byte) {
	size := uint64(len(p))
	i, n := from&(size-1), to-from
	if i+n <= size {
		return p[i : i+n : i+n], nil
	}
	return p[i:size:size], p[: n-(size-i) : n-(size-i)]
}
