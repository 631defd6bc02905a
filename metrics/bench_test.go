package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkStream(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	s := m.Pub("10.0.0.1:1234")
	benches := []struct {
		name string
		f    func()
	}{
		{"op=Transferred", func() { s.Transferred(16, 4096) }},
		{"op=Lost", func() { s.Lost(Overflow, 1, 256) }},
		{"op=Buffered", func() { s.Buffered(256) }},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bb.f()
			}
		})
	}
}

// BenchmarkStreamParallel updates one handle from every P, as event loops
// sharing a destination address do.
func BenchmarkStreamParallel(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	s := m.Pub("10.0.0.1:1234")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Transferred(16, 4096)
		}
	})
}

// BenchmarkPub measures making a handle: label lookups, once per stream.
func BenchmarkPub(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Pub("10.0.0.1:1234")
	}
}
