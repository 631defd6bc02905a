//go:build !(darwin || linux || openbsd)

package reactor

import "golang.org/x/sys/unix"

// writev2 writes first‖second where x/sys has no writev (FreeBSD): two
// write(2) calls, the second only when the first took everything. It
// reports what the socket took, as writev would.
func writev2(fd int, first, second []byte) (int, error) {
	n, err := unix.Write(fd, first)
	if err != nil || n < len(first) {
		return n, err
	}
	m, err := unix.Write(fd, second)
	if err == unix.EAGAIN {
		err = nil
	}
	return n + max(m, 0), err
}
