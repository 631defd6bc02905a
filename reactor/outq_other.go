//go:build !linux

package reactor

// outq reports -1: the kernel's unacknowledged bytes are known on Linux
// only (SIOCOUTQ); macOS and FreeBSD have no portable equivalent for every
// socket type.
func outq(int) int { return -1 }
