package bufpool

import "testing"

func TestSizes(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{-1, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {512, 512}, {513, 1024}, {1 << 20, 1 << 20}} {
		if got := Size(tc.n); got != tc.want {
			t.Errorf("Size(%d) = %d, want %d", tc.n, got, tc.want)
		}
		p := Get(tc.n)
		if len(*p) != tc.want || cap(*p) != tc.want {
			t.Errorf("Get(%d): len %d cap %d, want %d", tc.n, len(*p), cap(*p), tc.want)
		}
		*p = (*p)[:0] // a user may shorten it; Put and Get restore the size
		Put(p)
	}
	odd := make([]byte, 3)
	Put(&odd) // not a power of two: dropped, no panic
}
