package reactor

import "golang.org/x/sys/unix"

// outq returns the bytes the kernel holds in fd's send queue, sent or not,
// not yet acknowledged by the peer (SIOCOUTQ), or -1 when it cannot tell.
func outq(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if err != nil {
		return -1
	}
	return n
}
