//go:build !race

package ring

import "testing"

// Steady state on the publish and flush paths allocates nothing, including
// the paths that drop frames.
func TestBytesAllocs(t *testing.T) {
	payload := make([]byte, 100)
	cases := []struct {
		name  string
		limit int
		setup func(b *Bytes)
		run   func(b *Bytes)
	}{
		{"put+peek+release", 1 << 20,
			func(b *Bytes) {
				for range 1000 { // grow to the steady size
					b.Put(payload)
				}
			},
			func(b *Bytes) {
				for range 16 {
					b.Put(payload)
				}
				b.Peek(1 << 16)
				b.Release()
			}},
		{"put dropping the oldest", 4096,
			func(b *Bytes) {
				for range 100 {
					b.Put(payload)
				}
			},
			func(b *Bytes) { b.Put(payload) }},
		{"put dropping itself while in flight", 4096,
			func(b *Bytes) {
				for range 100 {
					b.Put(payload)
				}
				b.Peek(1 << 20)
			},
			func(b *Bytes) { b.Put(payload) }},
		{"discard", 4096,
			func(b *Bytes) { b.Put(payload) },
			func(b *Bytes) {
				b.Put(payload)
				b.Put(payload)
				b.Discard()
			}},
		{"empty peek", 4096,
			func(b *Bytes) {},
			func(b *Bytes) {
				b.Peek(1 << 16)
				b.Release()
				b.Len()
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := NewBytes(c.limit)
			c.setup(b)
			if n := testing.AllocsPerRun(1000, func() { c.run(b) }); n != 0 {
				t.Fatalf("%v allocations per run, want 0", n)
			}
		})
	}
}
