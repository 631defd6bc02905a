//go:build !race

package reactor

import (
	"io"
	"runtime"
	"sync/atomic"
	"testing"
)

// countHandler counts OnData calls and bytes; nothing else.
type countHandler struct {
	nopHandler
	calls, bytes atomic.Int64
}

func (h *countHandler) OnData(_ *Conn, data []byte) {
	h.bytes.Add(int64(len(data)))
	h.calls.Add(1)
}

// wantNoAllocs fails the test unless a cycle allocates nothing: a cycle
// calls start and spins (without allocating) until v has moved.
func wantNoAllocs(t *testing.T, what string, v *atomic.Int64, start func()) {
	t.Helper()
	allocs := testing.AllocsPerRun(1000, func() {
		old := v.Load()
		start()
		for v.Load() == old {
			runtime.Gosched()
		}
	})
	if allocs != 0 {
		t.Fatalf("%s: %v allocs per cycle, want 0", what, allocs)
	}
}

// These measure the whole process (runtime.MemStats.Mallocs), so the loop
// goroutine's side of each cycle (epoll, read, dispatch) is included.
func TestZeroAlloc(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	l := r.Loop(0)

	t.Run("Post and run", func(t *testing.T) {
		var runs atomic.Int64
		task := NewTask(func() { runs.Add(1) })
		wantNoAllocs(t, "Post+run", &runs, func() { l.Post(task) })
	})

	dialed, accepted := connPair(t, listen(t, "tcp"))
	h := &countHandler{}
	c, err := r.Enroll(accepted, h)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OnData delivery", func(t *testing.T) {
		msg := make([]byte, 100)
		wantNoAllocs(t, "peer write + OnData", &h.bytes, func() {
			if _, err := dialed.Write(msg); err != nil {
				panic(err)
			}
		})
	})

	t.Run("Writev 2 slices", func(t *testing.T) {
		go func() { _, _ = io.Copy(io.Discard, dialed) }() // ends when the conn closes
		a, b := make([]byte, 100), make([]byte, 60)
		bufs := make([][]byte, 2)
		var writes atomic.Int64
		task := NewTask(func() {
			bufs[0], bufs[1] = a, b
			if _, err := c.Writev(bufs); err != nil {
				panic(err)
			}
			writes.Add(1)
		})
		wantNoAllocs(t, "Writev", &writes, func() { l.Post(task) })
	})

	// A LingerFIN connection copies the slice headers before gnet may
	// rewrite them: on the stack, for up to 8.
	t.Run("Writev 8 slices, LingerFIN", func(t *testing.T) {
		ld, la := connPair(t, listen(t, "tcp"))
		lc, err := r.Enroll(la, lingerHandler{})
		if err != nil {
			t.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, ld) }()
		src := make([][]byte, 8)
		for i := range src {
			src[i] = make([]byte, 50)
		}
		bufs := make([][]byte, len(src))
		var writes atomic.Int64
		task := NewTask(func() {
			copy(bufs, src)
			if _, err := lc.Writev(bufs); err != nil {
				panic(err)
			}
			writes.Add(1)
		})
		wantNoAllocs(t, "LingerFIN Writev", &writes, func() { l.Post(task) })
	})
}

// lingerHandler asks for LingerFIN, as a publisher's connections do.
type lingerHandler struct{ nopHandler }

func (lingerHandler) OnOpen(c *Conn) { c.LingerFIN() }
