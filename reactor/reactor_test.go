package reactor

import (
	"net"
	"runtime"
	"strings"
	"testing"
)

// TestDefaultLoops: one P is left to the program's other goroutines, from
// two on; at most 4 loops.
func TestDefaultLoops(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for procs, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 16: 4} {
		runtime.GOMAXPROCS(procs)
		if got := DefaultLoops(); got != want {
			t.Errorf("GOMAXPROCS %d: DefaultLoops() = %d, want %d", procs, got, want)
		}
	}
}

func TestStartLoops(t *testing.T) {
	cases := []struct {
		name  string
		loops int
		want  int
	}{
		{name: "default", loops: 0, want: DefaultLoops()},
		{name: "negative means default", loops: -1, want: DefaultLoops()},
		{name: "one", loops: 1, want: 1},
		{name: "eight", loops: 8, want: 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startReactor(t, Config{Loops: tc.loops})
			if got := r.NumLoops(); got != tc.want {
				t.Fatalf("NumLoops() = %d, want %d", got, tc.want)
			}
			for i := range r.NumLoops() {
				l := r.Loop(i)
				if l.Index() != i {
					t.Fatalf("Loop(%d).Index() = %d", i, l.Index())
				}
				for _, m := range r.loops[:i] {
					if m.el == l.el {
						t.Fatalf("loops %d and %d share a gnet loop", m.index, i)
					}
				}
				onLoop(t, l, func() {}) // each loop runs tasks
			}
		})
	}
}

// TestGoroutines: a reactor adds exactly one goroutine per loop, and Close
// returns only once they are done. Other tests' goroutines may still be on
// their way out, so the check counts goroutines running gnet loops.
func TestGoroutines(t *testing.T) {
	const loops = 2
	before, loopsBefore := runtime.NumGoroutine(), loopGoroutines()
	r, err := Start(Config{Loops: loops})
	if err != nil {
		t.Fatal(err)
	}
	during, loopsDuring := runtime.NumGoroutine(), loopGoroutines()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	loopsAfter := loopGoroutines()
	t.Logf("goroutines: %d before Start, %d with Loops=%d (%d running gnet loops)", before, during, loops, loopsDuring)
	if loopsDuring-loopsBefore != loops || during-before > loops {
		t.Errorf("Start added %d goroutines (%d loop goroutines), want %d", during-before, loopsDuring-loopsBefore, loops)
	}
	if loopsAfter != loopsBefore {
		t.Errorf("%d loop goroutines after Close, %d before Start", loopsAfter, loopsBefore)
	}
}

// loopGoroutines counts the goroutines inside a gnet event loop.
func loopGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "gnet/v2.(*eventloop).run(") {
			n++
		}
	}
	return n
}

// TestIdleConnHeap measures the Go heap held per idle enrolled connection.
func TestIdleConnHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 4000 descriptors")
	}
	const conns = 2000
	r := startReactor(t, Config{Loops: 2})
	ln := listen(t, "tcp")
	peers := make([]net.Conn, 0, conns)
	t.Cleanup(func() {
		for _, p := range peers {
			_ = p.Close()
		}
	})
	// Dial everything first: the kernel completes the handshakes into the
	// listen backlog, so the accepted side is created between the two
	// measurements and its net.Conn (closed by Enroll) is garbage by then.
	for range conns {
		p, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, p)
	}
	h := nopHandler{}
	before := heapAlloc()
	for range conns {
		nc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Enroll(nc, h); err != nil {
			t.Fatal(err)
		}
	}
	after := heapAlloc()
	per := float64(after-before) / conns
	t.Logf("heap per idle enrolled conn: %.0f B (%d conns, Loops=2)", per, conns)
	if per > 640 { // 661 B before the LingerFIN state left Conn, 580 after
		t.Errorf("heap per idle conn = %.0f B, want <= 640", per)
	}
}

type nopHandler struct{}

func (nopHandler) OnOpen(*Conn)         {}
func (nopHandler) OnData(*Conn, []byte) {}
func (nopHandler) OnClose(*Conn, error) {}

func heapAlloc() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
