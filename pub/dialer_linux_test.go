package pub

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stalledListener returns a loopback TCP port whose accept queue is full and
// never drained: Linux drops further SYNs, so dials to it hang until their
// timeout, as to an address that went away without a reset.
func stalledListener(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*unix.SockaddrInet4).Port
}

// TestDialStallAddsWorkers: when no dial completes for stallAfter while
// streams wait, the dialer goes past busyDialWorkers, so that streams to
// addresses that answer are not held up behind dials that hang.
func TestDialStallAddsWorkers(t *testing.T) {
	port := stalledListener(t)
	p, err := New(fmt.Sprintf("tcp4://127.0.0.1:%d", port), Options{ConnectTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		p.Shutdown(ctx) // the hanging dials are cancelled; their messages counted lost
	}()
	const streams = 4 * busyDialWorkers
	for i := range streams {
		if err := p.Publish(bg, []byte("x"), i); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.dialer.workers.Load() <= busyDialWorkers {
		if time.Now().After(deadline) {
			t.Fatalf("%d dial workers after 10 s with %d streams' dials hanging; want more than %d", p.dialer.workers.Load(), streams, busyDialWorkers)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := p.dialer.workers.Load(); n > maxDialWorkers {
		t.Fatalf("%d dial workers, over maxDialWorkers %d", n, maxDialWorkers)
	}
}
