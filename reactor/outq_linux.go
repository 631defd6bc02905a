package reactor

import "golang.org/x/sys/unix"

// unacked returns the bytes of the took the kernel accepted on fd that the
// peer has not acknowledged: took minus TCP_INFO's bytes_acked on a TCP
// socket (exact even after a reset purged the queue), SIOCOUTQ (not yet
// read by the peer) on another stream socket, -1 when neither works.
func unacked(fd int, took uint64) int {
	if info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
		return int(took - min(took, info.Bytes_acked))
	}
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if err != nil {
		return -1
	}
	return n
}

// kernelTook returns every byte the TCP socket fd took from its writers:
// TCP_INFO's bytes_acked plus SIOCOUTQ (taken, not yet acknowledged). It
// is exact while nothing writes to the socket: SIOCOUTQ is read before and
// after TCP_INFO, and the reading is retried until the two agree, i.e. no
// acknowledgement arrived in between. ok is false for other sockets.
func kernelTook(fd int) (took uint64, ok bool) {
	for range 100 {
		q1, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
		if err != nil {
			return 0, false
		}
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return 0, false
		}
		q2, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
		if err != nil {
			return 0, false
		}
		if q1 == q2 && q1 >= 0 {
			return info.Bytes_acked + uint64(q1), true
		}
	}
	return 0, false
}
