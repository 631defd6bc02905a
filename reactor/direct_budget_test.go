//go:build linux

// RLIMIT_NOFILE's field types differ by OS; CI runs this on Linux.

package reactor

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestSideDescriptorBudget: once the process uses a quarter of its
// descriptor limit, EnrollDirect enrolls without a DirectWriter (one descriptor per
// connection), and with room again it gives one.
func TestSideDescriptorBudget(t *testing.T) {
	r := startReactor(t, Config{Loops: 1})
	ln := listen(t, "tcp")
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })

	dialed, accepted := connPair(t, ln)
	defer accepted.Close()
	fd, err := unix.Dup(0) // the lowest free number: about the descriptors in use
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	lowered := old
	lowered.Cur = uint64(fd) * 2 // the next duplicate lands above a quarter of it
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE:", err)
	}
	c, err := r.EnrollDirect(dialed, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if c.DirectWriter() != nil {
		t.Fatalf("DirectWriter given with descriptor %d of a limit of %d", c.DirectWriter().fd, lowered.Cur)
	}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	d2, a2 := connPair(t, ln)
	defer a2.Close()
	c2, err := r.EnrollDirect(d2, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if c2.DirectWriter() == nil {
		t.Fatalf("no DirectWriter with a limit of %d", old.Cur)
	}
}
