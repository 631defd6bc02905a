//go:build linux

// It reads /proc/self/fd, and RLIMIT_NOFILE field types differ by OS.

package sub

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
)

// Running out of descriptors must not stop the subscriber: existing streams
// keep flowing and accepting resumes once descriptors free up.
func TestAcceptSurvivesEMFILE(t *testing.T) {
	m, reg := nettest.NewMetrics(t)
	col := newCollector()
	s := startSub(t, nettest.TCPURL, Options{Handler: col.Handle, Metrics: m, EventLoops: 1})
	a := dial(t, s)
	a.Write(frame([]byte("a1")))
	col.Wait(t, 1)

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	lowered := old
	lowered.Cur = uint64(len(fds) + 32)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE:", err)
	}
	var fillers []*os.File
	release := func() {
		for _, f := range fillers {
			f.Close()
		}
		fillers = nil
	}
	t.Cleanup(func() {
		release()
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	})
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatal(err)
			}
			break
		}
		fillers = append(fillers, f)
	}
	// One descriptor for the client socket; the subscriber's accept then
	// finds none.
	fillers[len(fillers)-1].Close()
	fillers = fillers[:len(fillers)-1]
	b, err := net.Dial("tcp4", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	nettest.WaitSum(t, reg, "nanoq_sub_accept_errors_total", "", 1)

	a.Write(frame([]byte("a2")))
	col.Wait(t, 2) // the existing stream still flows

	b.Write(frame([]byte("b1")))
	release()
	col.Wait(t, 3) // accepting resumed
	got := col.Snapshot()
	if len(got) != 2 {
		t.Fatalf("%d streams, want 2", len(got))
	}
}
