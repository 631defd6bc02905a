//go:build darwin || linux || openbsd

package reactor

import "golang.org/x/sys/unix"

// writev2 writes first‖second with one writev(2).
func writev2(fd int, first, second []byte) (int, error) {
	return unix.Writev(fd, [][]byte{first, second})
}
