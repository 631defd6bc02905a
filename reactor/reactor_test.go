package reactor

import (
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestStartLoops(t *testing.T) {
	cases := []struct {
		name  string
		loops int
		want  int
	}{
		{name: "default", loops: 0, want: min(runtime.GOMAXPROCS(0), 4)},
		{name: "negative means default", loops: -1, want: min(runtime.GOMAXPROCS(0), 4)},
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

func TestClose(t *testing.T) {
	r, err := Start(Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t, "tcp")
	type pair struct {
		rec  *recorder
		peer net.Conn
	}
	var pairs []pair
	for range 4 {
		dialed, acc := connPair(t, ln)
		rec := newRecorder()
		if _, err := r.Enroll(acc, rec); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, pair{rec, dialed})
	}
	var ran atomic.Bool
	task := NewTask(func() { ran.Store(true) })

	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Run("closes every conn with OnClose(nil)", func(t *testing.T) {
		for i, p := range pairs {
			select {
			case <-p.rec.closed: // before Close returned
			default:
				t.Fatalf("conn %d: no OnClose by the time Close returned", i)
			}
			if err := p.rec.waitClosed(t); err != nil {
				t.Errorf("conn %d: OnClose err = %v, want nil", i, err)
			}
			if n, err := p.peer.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("conn %d: peer Read = %d, %v; want EOF", i, n, err)
			}
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		if err := r.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
	t.Run("Enroll after Close", func(t *testing.T) {
		dialed, acc := connPair(t, ln)
		c, err := r.Enroll(acc, newRecorder())
		if c != nil || !errors.Is(err, ErrClosed) {
			t.Fatalf("Enroll = %v, %v; want nil, ErrClosed", c, err)
		}
		if _, err := acc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("nc not closed by a failed Enroll: Write err = %v", err)
		}
		if n, err := dialed.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Fatalf("peer Read = %d, %v; want EOF", n, err)
		}
	})
	t.Run("Post after Close", func(t *testing.T) {
		for i := range r.NumLoops() {
			r.Loop(i).Post(task)
		}
		if task.pending.Load() {
			t.Fatal("Post after Close queued the task")
		}
		if ran.Load() {
			t.Fatal("task ran after Close")
		}
	})
}

// TestCloseConcurrentEnroll: Close while other goroutines keep enrolling
// must neither hang nor leak: every Enroll either succeeds (and its conn gets
// OnClose before Close returns) or returns ErrClosed. Close comes after a
// varying number of enrolls, so it meets Enroll calls at varying stages.
func TestCloseConcurrentEnroll(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			for i := range int32(8) {
				closeDuringEnroll(t, network, 1+3*i)
			}
		})
	}
}

func closeDuringEnroll(t *testing.T, network string, after int32) {
	const (
		acceptors = 2
		maxDials  = 200
	)
	ln := listen(t, network)
	r, err := Start(Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	// A dialer fills the listen backlog; acceptors enroll what they accept.
	dialDone := make(chan struct{})
	stopDial := make(chan struct{})
	var peers []net.Conn // dialer only, until dialDone
	go func() {
		defer close(dialDone)
		for range maxDials {
			select {
			case <-stopDial:
				return
			default:
			}
			c, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			peers = append(peers, c)
		}
	}()
	var (
		mu       sync.Mutex
		recs     []*recorder // guarded by mu
		enrolled atomic.Int32
		reached  = make(chan struct{})
		done     = make(chan error, acceptors)
	)
	for range acceptors {
		go func() {
			for {
				nc, err := ln.Accept()
				if err != nil {
					if errors.Is(err, net.ErrClosed) {
						err = nil // the test closed ln after Close
					}
					done <- err
					return
				}
				rec := newRecorder()
				if _, err := r.Enroll(nc, rec); err != nil {
					if errors.Is(err, ErrClosed) {
						err = nil
					}
					done <- err
					return
				}
				mu.Lock()
				recs = append(recs, rec)
				mu.Unlock()
				if enrolled.Add(1) == after {
					close(reached)
				}
			}
		}()
	}
	wait(t, reached, "enrolls before Close")
	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	if err := wait(t, closed, "Close with concurrent Enroll"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	close(stopDial)
	<-dialDone
	_ = ln.Close() // an acceptor may still wait in Accept
	for range acceptors {
		if err := wait(t, done, "Enroll to return ErrClosed"); err != nil {
			t.Fatalf("acceptor: %v", err)
		}
	}
	for _, p := range peers {
		_ = p.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	for i, rec := range recs {
		select {
		case <-rec.closed:
		default:
			t.Fatalf("enrolled conn %d got no OnClose", i)
		}
	}
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
	if per > 4096 {
		t.Errorf("heap per idle conn = %.0f B, want < 4 KiB", per)
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
