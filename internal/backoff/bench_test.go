package backoff

import "testing"

func BenchmarkNext(b *testing.B) {
	var bo Backoff
	b.ReportAllocs()
	for b.Loop() {
		if bo.Next() <= 0 {
			b.Fatal("non-positive delay")
		}
	}
}
