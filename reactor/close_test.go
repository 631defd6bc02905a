package reactor

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

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
