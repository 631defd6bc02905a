//go:build !linux

package reactor

// unacked reports -1: only Linux tells what the peer has not acknowledged
// (TCP_INFO, SIOCOUTQ); macOS and FreeBSD lack it for some socket types.
func unacked(int, uint64) int { return -1 }

// kernelTook reports false: see the Linux version.
func kernelTook(int) (uint64, bool) { return 0, false }
