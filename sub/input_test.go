package sub

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/reactor"
)

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name   string
		input  []byte
		reason string
	}{
		{"length above MaxPayload", frame(make([]byte, 2000))[:10], "too_big"},
		{"4 GiB claim", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, "too_big"},
		{"varint over 10 bytes", bytes.Repeat([]byte{0x80}, 12), "malformed"},
		{"garbage", bytes.Repeat([]byte{0xfe}, 64), "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, reg := nettest.NewMetrics(t)
			col := newCollector()
			s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, MaxPayload: 1000, Metrics: m})
			good, bad := dial(t, s), dial(t, s)
			good.Write(frame([]byte("before")))
			col.Wait(t, 1)
			bad.Write(tt.input)
			waitEOF(t, bad, 10*time.Second)
			good.Write(frame([]byte("after")))
			col.Wait(t, 2)
			if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", tt.reason); n != 1 {
				t.Fatalf("%s losses %v, want 1", tt.reason, n)
			}
		})
	}
}

func TestTruncatedFrame(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, Metrics: m})
	c := dial(t, s)
	c.Write(frame(pattern(1, 1000))[:500])
	c.Close()
	nettest.WaitSum(t, reg, "nanoq_sub_lost_messages_total", "truncated", 1)
	if col.Count() != 0 {
		t.Fatalf("%d messages delivered from a truncated frame", col.Count())
	}
}

func TestKeepaliveTimeout(t *testing.T) {
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, KeepaliveTimeout: 200 * time.Millisecond})
	idle, busy := dial(t, s), dial(t, s)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				busy.Write(frame([]byte("ping")))
			}
		}
	}()
	start := time.Now()
	waitEOF(t, idle, 5*time.Second)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("idle connection closed after %v, timeout 200ms", d)
	}
	close(stop)
	<-done
	busy.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := busy.Read(make([]byte, 1)); err == nil || !os.IsTimeout(err) {
		t.Fatalf("busy connection was closed: %v", err)
	}
}

// A peer that starts a large frame and then trickles it (or stalls) is
// closed after KeepaliveTimeout, and the partial frame is counted truncated.
func TestKeepaliveTrickledFrame(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, KeepaliveTimeout: 200 * time.Millisecond, Metrics: m})
	c := dial(t, s)
	claim := frame(make([]byte, 1<<20))
	c.Write(claim[:1000])
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // one byte every 20 ms: never idle, never complete
		defer close(done)
		for i := 1000; i < len(claim); i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := c.Write(claim[i : i+1]); err != nil {
					return
				}
			}
		}
	}()
	waitEOF(t, c, 5*time.Second)
	close(stop)
	<-done
	nettest.WaitSum(t, reg, "nanoq_sub_lost_messages_total", "truncated", 1)
}

// The idle sweep may close a connection before its loop read what the
// kernel already holds (the sweep runs in the same round as a read event
// it was woken for). That rest is read and counted: here a PROXY header,
// parsed as one, and three frames, lost "disconnected"; nothing else.
func TestSweepCountsUnreadRest(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	const ft = 50 * time.Millisecond
	s := startSub(t, nettest.TCPURL, Options{Handler: newCollector().Handle, Metrics: m, ProxyProtocol: true, EventLoops: 1, FrameTimeout: ft})
	c := dial(t, s)
	for s.open.Load() != 1 { // OnOpen ran: the connection waits for its header
		time.Sleep(time.Millisecond)
	}
	ls := s.loops[0]
	held, release := make(chan struct{}), make(chan struct{})
	ls.loop.Post(reactor.NewTask(func() { close(held); <-release }))
	<-held // the loop runs tasks now and reads nothing until they are done
	in := []byte("PROXY TCP4 10.9.8.7 127.0.0.1 40000 1234\r\n")
	for _, p := range []string{"one", "two", "six"} {
		in = append(in, frame([]byte(p))...)
	}
	if _, err := c.Write(in); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * ft) // the header is overdue: what the sweep checks
	ls.loop.Post(ls.sweep)
	close(release)
	waitEOF(t, c, 5*time.Second)
	nettest.WaitSum(t, reg, "nanoq_sub_lost_messages_total", "disconnected", 3)
	for _, r := range []string{"truncated", "malformed", "too_big"} {
		if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", r); n != 0 {
			t.Errorf("lost %s = %v, want 0", r, n)
		}
	}
	if n := nettest.Sum(t, reg, "nanoq_sub_lost_messages_total", ""); n != 3 {
		t.Errorf("lost in all %v, want 3", n)
	}
}
