package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// Costs is a snapshot of what the process has asked of the kernel: read-
// and write-family system calls and their bytes (/proc/self/io: every such
// call of the process, sockets and the rest; zero where the file does not
// exist), and context switches (getrusage: voluntary ones are mostly a
// thread going to sleep in epoll_wait or a futex, so each is about one
// wake-up).
type Costs struct {
	At                         time.Time
	ReadCalls, WriteCalls      int64
	ReadBytes, WriteBytes      int64
	VoluntarySw, InvoluntarySw int64
}

// TakeCosts reads the counters now.
func TakeCosts() Costs {
	c := Costs{At: time.Now()}
	if b, err := os.ReadFile("/proc/self/io"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			switch k {
			case "syscr":
				c.ReadCalls = n
			case "syscw":
				c.WriteCalls = n
			case "rchar":
				c.ReadBytes = n
			case "wchar":
				c.WriteBytes = n
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.VoluntarySw, c.InvoluntarySw = int64(ru.Nvcsw), int64(ru.Nivcsw)
	}
	return c
}

// Fill sets res's system-call and wake-up figures for the interval from
// c to now.
func (c Costs) Fill(res *Result) {
	now := TakeCosts()
	s := now.At.Sub(c.At).Seconds()
	if s <= 0 {
		return
	}
	rc, wc := now.ReadCalls-c.ReadCalls, now.WriteCalls-c.WriteCalls
	res.ReadsPerS, res.WritesPerS = float64(rc)/s, float64(wc)/s
	if rc > 0 {
		res.BytesPerRead = float64(now.ReadBytes-c.ReadBytes) / float64(rc)
	}
	if wc > 0 {
		res.BytesPerWrite = float64(now.WriteBytes-c.WriteBytes) / float64(wc)
	}
	res.WakeupsPerS = float64(now.VoluntarySw-c.VoluntarySw) / s
}
