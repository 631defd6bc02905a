package codec

import "testing"

// benchSizes are the payload sizes benchmarked, one sub-benchmark each.
var benchSizes = []int{16, 100, 1024, 64 << 10}

// benchStream returns a buffer full of frames of the given payload size
// (at least 256 KiB, at least 16 frames) and the number of frames in it.
func benchStream(size int) ([]byte, int) {
	frames := max(16, (256<<10)/(HeaderLen(size)+size))
	payload := pattern(size, 0)
	buf := make([]byte, 0, frames*(HeaderLen(size)+size))
	for range frames {
		buf = AppendFrame(buf, payload)
	}
	return buf, frames
}

// reportFrames reports frames per second and nanoseconds per frame, for an
// op that handles the given number of frames.
func reportFrames(b *testing.B, frames int) {
	total := float64(frames) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/frame")
}

// benchParse runs one sub-benchmark per size in benchSizes: an op is one
// call of parse on a buffer full of frames of that size, which returns the
// payload bytes it parsed; their total is checked.
func benchParse(b *testing.B, parse func(b *testing.B, buf []byte, size int) int) {
	for _, size := range benchSizes {
		buf, frames := benchStream(size)
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			got := 0
			for b.Loop() {
				got += parse(b, buf, size)
			}
			if got != b.N*frames*size {
				b.Fatalf("parsed %d payload bytes, want %d", got, b.N*frames*size)
			}
			reportFrames(b, frames)
		})
	}
}

// BenchmarkParse parses a buffer full of frames per op.
func BenchmarkParse(b *testing.B) {
	benchParse(b, func(b *testing.B, buf []byte, size int) (got int) {
		for p := buf; len(p) > 0; {
			payload, n, _, err := Parse(p, size)
			if n == 0 {
				b.Fatalf("n=0 err=%v", err)
			}
			got += len(payload)
			p = p[n:]
		}
		return got
	})
}

// BenchmarkParse2 parses a buffer full of frames per op as the two halves of
// a wrapped ring, split in the middle (inside a frame for every size here).
func BenchmarkParse2(b *testing.B) {
	benchParse(b, func(b *testing.B, buf []byte, size int) (got int) {
		half := len(buf)/2 + 1
		x, y := buf[:half:half], buf[half:]
		for len(x)+len(y) > 0 {
			f, n, _, err := Parse2(x, y, size)
			if n == 0 {
				b.Fatalf("n=0 err=%v", err)
			}
			got += f.Len()
			if n < len(x) {
				x = x[n:]
			} else {
				x, y = y[n-len(x):], nil
			}
		}
		return got
	})
}

// BenchmarkAppendFrame fills a buffer with frames per op, into capacity.
func BenchmarkAppendFrame(b *testing.B) {
	for _, size := range benchSizes {
		buf, frames := benchStream(size)
		payload := pattern(size, 0)
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				dst := buf[:0]
				for range frames {
					dst = AppendFrame(dst, payload)
				}
				if len(dst) != len(buf) {
					b.Fatalf("appended %d bytes, want %d", len(dst), len(buf))
				}
			}
			reportFrames(b, frames)
		})
	}
}
