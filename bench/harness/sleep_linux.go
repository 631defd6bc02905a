package harness

import (
	"time"

	"golang.org/x/sys/unix"
)

// sleepPrecise blocks the calling thread in nanosleep(2) for d: the
// kernel's high-resolution timer, not the Go runtime's timers.
func sleepPrecise(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	_ = unix.Nanosleep(&ts, nil) // EINTR: the caller looks at the clock again
}
