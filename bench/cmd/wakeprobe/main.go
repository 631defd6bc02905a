// Command wakeprobe measures how long this machine takes to wake a thread
// blocked in a system call: the floor under any latency figure of a
// transport that hands a message from one thread to another.
//
// Two goroutines, each locked to its own OS thread, ping-pong one byte over
// a pair of blocking pipes, once every -interval (10,000 per second by
// default, the rate of the latency scenario). Half of each round trip is
// one wake-up: a write on one thread, the other thread returning from its
// read. nanoQ's path from Publish to a handler in another process takes two
// such wake-ups (publisher to event loop, event loop to the subscriber's
// loop through the socket); in one process, three.
//
//	go run ./bench/cmd/wakeprobe                 # 10 s at 10,000 wake-ups/s
//	go run ./bench/cmd/wakeprobe -n 50000 -interval 0
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func main() {
	n := flag.Int("n", 100_000, "round trips")
	interval := flag.Duration("interval", 100*time.Microsecond, "pause between round trips (0: back to back)")
	flag.Parse()
	if err := run(*n, *interval); err != nil {
		fmt.Fprintf(os.Stderr, "wakeprobe: %v\n", err)
		os.Exit(1)
	}
}

func run(n int, interval time.Duration) error {
	var ping, pong [2]int
	if err := syscall.Pipe(ping[:]); err != nil {
		return err
	}
	if err := syscall.Pipe(pong[:]); err != nil {
		return err
	}
	defer func() {
		for _, fd := range []int{ping[0], ping[1], pong[0], pong[1]} {
			_ = syscall.Close(fd)
		}
	}()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var b [1]byte
		for range n {
			if _, err := syscall.Read(ping[0], b[:]); err != nil {
				done <- err
				return
			}
			if _, err := syscall.Write(pong[1], b[:]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	runtime.LockOSThread()
	h := hdrhistogram.New(1, 10_000_000, 3) // nanoseconds
	var b [1]byte
	for range n {
		if interval > 0 {
			time.Sleep(interval)
		}
		t := time.Now()
		if _, err := syscall.Write(ping[1], b[:]); err != nil {
			return err
		}
		if _, err := syscall.Read(pong[0], b[:]); err != nil {
			return err
		}
		_ = h.RecordValue(int64(time.Since(t)) / 2)
	}
	if err := <-done; err != nil {
		return err
	}
	fmt.Printf("one-way thread wake-up over %d round trips, %v apart (GOMAXPROCS %d):\n", n, interval, runtime.GOMAXPROCS(0))
	for _, q := range []float64{50, 90, 99, 99.9} {
		fmt.Printf("  p%-5v %6.1f µs\n", q, float64(h.ValueAtQuantile(q))/1e3)
	}
	fmt.Printf("  max    %6.1f µs\n", float64(h.Max())/1e3)
	return nil
}
