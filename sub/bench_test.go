package sub

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// loadGenEnv, when set in the environment of this test binary, turns it into
// a load generator: "network address size count conns".
const loadGenEnv = "NQ_SUB_LOADGEN"

// runLoadGen runs the load generator when asked to and reports whether it did.
func runLoadGen() bool {
	spec := os.Getenv(loadGenEnv)
	if spec == "" {
		return false
	}
	f := strings.Fields(spec)
	size, _ := strconv.Atoi(f[2])
	count, _ := strconv.Atoi(f[3])
	conns, _ := strconv.Atoi(f[4])
	if err := generate(f[0], f[1], size, count, conns); err != nil {
		fmt.Fprintln(os.Stderr, "load generator:", err)
		os.Exit(1)
	}
	return true
}

// generate writes count frames of size bytes, spread over conns connections,
// in 64 KiB writes, as fast as the subscriber takes them.
func generate(network, address string, size, count, conns int) error {
	one := frame(pattern(1, size))
	per := max(1, (64<<10)/len(one))
	chunk := make([]byte, 0, per*len(one))
	for range per {
		chunk = append(chunk, one...)
	}
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial(network, address)
		if err != nil {
			return err
		}
		cs[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, c := range cs {
		n := count / conns
		if i < count%conns {
			n++
		}
		wg.Go(func() {
			defer c.Close()
			for n > 0 {
				k := min(n, per)
				if _, err := c.Write(chunk[:k*len(one)]); err != nil {
					errs <- err
					return
				}
				n -= k
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

type benchMode int

const (
	viaHandler benchMode = iota
	viaReceive
)

func benchDeliver(b *testing.B, size, conns int, mode benchMode, separateProcess bool) {
	total := max(b.N, conns)
	var got atomic.Int64
	done := make(chan struct{})
	m, reg := nettest.NewMetrics(b)
	opts := Options{EventLoops: 2, Metrics: m}
	if mode == viaHandler {
		opts.Handler = func(p []byte, _ StreamDescriptor) {
			if got.Add(1) == int64(total) {
				close(done)
			}
		}
	}
	s := startSub(b, nettest.TCPURL, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if mode == viaReceive {
		go func() {
			buf := make([]byte, size)
			for {
				if _, _, err := s.Receive(ctx, buf); err != nil {
					return
				}
				if got.Add(1) == int64(total) {
					close(done)
				}
			}
		}()
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	genErr := make(chan error, 1)
	if separateProcess {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=tcp4 %s %d %d %d", loadGenEnv, s.Addr(), size, total, conns))
		cmd.Stderr = os.Stderr
		go func() { genErr <- cmd.Run() }()
	} else {
		go func() { genErr <- generate("tcp4", s.Addr().String(), size, total, conns) }()
	}
	var lost float64
	select {
	case <-done:
	case err := <-genErr:
		if err != nil {
			b.Fatal(err)
		}
		// Everything is on the wire; wait until each message was delivered
		// or counted lost (the receive queue drops when Receive lags).
		deadline := time.Now().Add(30 * time.Second)
		for {
			lost = nettest.Sum(b, reg, "nanoq_sub_lost_messages_total", "")
			if float64(got.Load())+lost >= float64(total) {
				break
			}
			select {
			case <-done:
			case <-time.After(time.Millisecond):
			}
			if time.Now().After(deadline) {
				b.Fatalf("received %d and lost %v of %d", got.Load(), lost, total)
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(got.Load())/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(100*lost/float64(total), "lost%")
}

func BenchmarkDeliver(b *testing.B) {
	for _, mode := range []struct {
		name string
		mode benchMode
	}{{"handler", viaHandler}, {"receive", viaReceive}} {
		for _, size := range []int{100, 1024} {
			for _, conns := range []int{1, 100, 1000} {
				b.Run(fmt.Sprintf("%s/size=%d/conns=%d", mode.name, size, conns), func(b *testing.B) {
					benchDeliver(b, size, conns, mode.mode, false)
				})
			}
		}
	}
}

// BenchmarkDeliverProc feeds the subscriber from a separate process, so the
// load generator's CPU is not in this process's profile.
func BenchmarkDeliverProc(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("handler/size=%d/conns=1", size), func(b *testing.B) {
			benchDeliver(b, size, 1, viaHandler, true)
		})
	}
}
