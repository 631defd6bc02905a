package reactor

import (
	"runtime"

	"github.com/nanoq/nq/internal/logx"
)

// maxLoops is gnet's limit on event loops per engine.
const maxLoops = 256

// Config configures a Reactor. The zero value is usable.
type Config struct {
	// Loops is the number of event loops; 0 (or a negative value) means
	// DefaultLoops(). Values above 256 are clamped to 256, gnet's limit.
	Loops int
	// ReadBufferCap is each loop's read buffer; 0 means 64 KiB. gnet rounds
	// it up to a power of two, at least 1 KiB. One OnData call carries at
	// most this many bytes.
	ReadBufferCap int
	// Logger receives the reactor's and gnet's log lines; nil is silent.
	Logger *logx.Logger
}

// numLoops returns the effective number of event loops.
func (c Config) numLoops() int {
	n := c.Loops
	if n <= 0 {
		n = DefaultLoops()
	}
	return min(n, maxLoops)
}

// DefaultLoops is the number of event loops a Reactor runs by default:
// GOMAXPROCS − 1, at least 1 and at most 4. One P is left to the rest of
// the program: a loop waits in epoll_wait inside a system call, holding its
// P, so with a loop on every P a goroutine that a loop wakes (a dial worker,
// an accepting goroutine, a Receive caller) waits until sysmon retakes a P,
// up to 10 ms.
func DefaultLoops() int {
	return min(max(runtime.GOMAXPROCS(0)-1, 1), 4)
}
