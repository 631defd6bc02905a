package reactor

import "golang.org/x/sys/unix"

// unacked returns the bytes of the took the kernel accepted on fd that the
// peer has not acknowledged: took minus TCP_INFO's bytes_acked on a TCP
// socket (exact even after a reset purged the queue), SIOCOUTQ (not yet
// read by the peer) on another stream socket, -1 when neither works.
func unacked(fd int, took uint64) int {
	if info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
		if took <= info.Bytes_acked {
			return 0
		}
		return int(took - info.Bytes_acked)
	}
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if err != nil {
		return -1
	}
	return n
}
