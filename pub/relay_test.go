package pub

import "testing"

// TestRelaying checks the loop's verdict on its own writevs: a few small
// frames each is relaying, so direct writes may go ahead while the loop is
// busy; batches of many frames, or of large ones, are not.
func TestRelaying(t *testing.T) {
	cases := []struct {
		name   string
		frames []int // per writev, repeated over a window
		size   int   // bytes per frame
		want   bool
	}{
		{name: "single frames", frames: []int{1}, size: 100, want: true},
		{name: "the odd pair", frames: []int{1, 1, 1, 2}, size: 100, want: true},
		{name: "a lagging loop's few", frames: []int{2, 3}, size: 100, want: false},
		{name: "batches", frames: []int{40, 1, 1, 1}, size: 100, want: false},
		{name: "single large frames", frames: []int{1}, size: 8 << 10, want: true},
		{name: "large frames", frames: []int{1}, size: 64 << 10, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ls loopState
			ls.relaying.Store(!tc.want)
			for i := range relayWindow {
				f := tc.frames[i%len(tc.frames)]
				ls.countWrite(f, f*tc.size)
			}
			if got := ls.relaying.Load(); got != tc.want {
				t.Fatalf("relaying = %v after a window of %v, want %v", got, tc.frames, tc.want)
			}
		})
	}
	t.Run("decided once per window", func(t *testing.T) {
		var ls loopState
		for range relayWindow - 1 {
			ls.countWrite(1, 100)
		}
		if ls.relaying.Load() {
			t.Fatal("relaying before the window is full")
		}
		ls.countWrite(1, 100)
		if !ls.relaying.Load() {
			t.Fatal("not relaying after a window of single frames")
		}
		for range relayWindow {
			ls.countWrite(50, 5000)
		}
		if ls.relaying.Load() {
			t.Fatal("still relaying after a window of batches")
		}
	})
}
