//go:build !linux

package harness

import (
	"runtime"
	"time"
)

// sleepPrecise yields the processor once; the caller loops until its time.
func sleepPrecise(time.Duration) { runtime.Gosched() }
