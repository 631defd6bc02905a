package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// CPUSeconds returns the user+system CPU time this process has used, in
// seconds (getrusage RUSAGE_SELF), or 0 if the call fails.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// PeakRSSKiB returns this process's peak resident set (VmHWM of
// /proc/self/status) in KiB, or 0 where that file does not exist.
func PeakRSSKiB() int64 { return procStatusKiB("VmHWM:") }

// RSSKiB returns this process's resident set now (VmRSS of
// /proc/self/status) in KiB, or 0 where that file does not exist.
func RSSKiB() int64 { return procStatusKiB("VmRSS:") }

// procStatusKiB reads one "Key:   N kB" line of /proc/self/status.
func procStatusKiB(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(key)) {
			continue
		}
		f := bytes.Fields(line[len(key):])
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	return 0
}

// RaiseNoFileLimit raises the soft RLIMIT_NOFILE to the hard limit, so runs
// with thousands of streams do not hit EMFILE.
func RaiseNoFileLimit() error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("nanoq: getrlimit NOFILE: %w", err)
	}
	if rl.Cur >= rl.Max {
		return nil
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("nanoq: setrlimit NOFILE to %d: %w", rl.Max, err)
	}
	return nil
}
