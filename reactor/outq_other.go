//go:build !linux

package reactor

// unacked reports -1: what the peer has not acknowledged is known on Linux
// only (TCP_INFO, SIOCOUTQ); macOS and FreeBSD have no portable equivalent
// for every socket type.
func unacked(int, uint64) int { return -1 }

// kernelTook reports false: see the Linux version.
func kernelTook(int) (uint64, bool) { return 0, false }
