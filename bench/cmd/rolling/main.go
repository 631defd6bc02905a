// Command rolling measures a rolling restart of nanoQ subscribers, with
// every side in its own process: one nqbench publisher paced over many
// streams, and a chain of nqbench subscribers on one address
// (SO_REUSEPORT), each replaced every -every: the successor binds, runs
// ready for -warm (a Kubernetes rolling update waits for the new pod's
// readiness before it stops an old one; 0: the successor is still starting
// when its predecessor drains, on the same two cores), then the old one gets
// SIGTERM and drains. It prints what was published,
// delivered and counted lost, and the worst latency percentiles over the
// subscribers (each one's covers its hand-overs), and the median over the
// successors' p99.9: each successor's histogram starts with its hand-over.
//
//	go build -o /tmp/nqbench ./bench/cmd/nqbench
//	go run ./bench/cmd/rolling -nqbench /tmp/nqbench
//	bench/rolling.sh                 # the same, building nqbench first
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rolling:", err)
		os.Exit(1)
	}
}

// proc is one nqbench process.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	ready  chan string // the READY url (subscribers)
}

func start(bin string, args ...string) (*proc, error) {
	p := &proc{cmd: exec.Command(bin, args...), ready: make(chan string, 1)}
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				p.ready <- url
			}
		}
	}()
	return p, nil
}

// result waits for the process and parses its JSON result.
func (p *proc) result() (*harness.Result, error) {
	if err := p.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(p.cmd.Args, " "), err)
	}
	var r harness.Result
	if err := json.Unmarshal(p.stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("result of %s: %w: %q", p.cmd.Args[0], err, p.stdout.String())
	}
	return &r, nil
}

func (p *proc) waitReady() (string, error) {
	select {
	case url := <-p.ready:
		return url, nil
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		return "", errors.New("a subscriber did not start")
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rolling", flag.ContinueOnError)
	bin := fs.String("nqbench", "nqbench", "the nqbench binary")
	streams := fs.Int("streams", 1000, "publisher streams")
	rate := fs.Float64("rate", 200000, "total msgs/s, paced")
	size := fs.String("size", "100", "payload bytes")
	duration := fs.Duration("duration", 12*time.Second, "how long the publisher publishes")
	every := fs.Duration("every", 2*time.Second, "a subscriber is replaced this often")
	warm := fs.Duration("warm", 0, "how long a successor runs, ready, before its predecessor drains")
	if err := fs.Parse(args); err != nil {
		return err
	}
	subArgs := []string{"-role", "sub", "-reuseport", "-drain-on-signal", "-json", "-size", *size, "-duration", duration.String()}
	cur, err := start(*bin, subArgs...)
	if err != nil {
		return err
	}
	url, err := cur.waitReady()
	if err != nil {
		return err
	}
	subArgs = append(subArgs, "-url", url)
	pub, err := start(*bin, "-role", "pub", "-url", url, "-streams", strconv.Itoa(*streams),
		"-rate", strconv.FormatFloat(*rate, 'f', -1, 64), "-size", *size, "-duration", duration.String(), "-json")
	if err != nil {
		return err
	}
	pubDone := make(chan struct{})
	var pr *harness.Result
	var perr error
	go func() { pr, perr = pub.result(); close(pubDone) }()
	var subs []*harness.Result
	tick := time.NewTicker(*every)
	defer tick.Stop()
	replaced := 0
	for running := true; running; {
		select {
		case <-pubDone:
			running = false
		case <-tick.C:
			next, err := start(*bin, subArgs...)
			if err != nil {
				return err
			}
			if _, err := next.waitReady(); err != nil {
				return err
			}
			time.Sleep(*warm)
			cur.cmd.Process.Signal(syscall.SIGTERM) // drains: its streams go to next
			r, err := cur.result()
			if err != nil {
				return err
			}
			subs = append(subs, r)
			cur = next
			replaced++
		}
	}
	if perr != nil {
		return perr
	}
	time.Sleep(time.Second) // what is in flight arrives
	cur.cmd.Process.Signal(syscall.SIGTERM)
	r, err := cur.result()
	if err != nil {
		return err
	}
	subs = append(subs, r)

	var received int64
	lost := map[string]int64{}
	var worst harness.Latency
	for i, s := range subs {
		fmt.Fprintf(out, "subscriber %d: received %d, latency µs p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f\n",
			i, s.Received, s.LatencyUS.P50, s.LatencyUS.P99, s.LatencyUS.P999, s.LatencyUS.Max)
		received += s.Received
		for k, v := range s.LostCounted {
			lost["sub "+k] += v
		}
		worst.P99 = max(worst.P99, s.LatencyUS.P99)
		worst.P999 = max(worst.P999, s.LatencyUS.P999)
		worst.Max = max(worst.Max, s.LatencyUS.Max)
	}
	for k, v := range pr.LostCounted {
		lost["pub "+k] += v
	}
	fmt.Fprintf(out, "rolling restart: %d streams at %.0f msgs/s for %v, a subscriber replaced every %v (%d replaced)\n",
		*streams, *rate, *duration, *every, replaced)
	fmt.Fprintf(out, "published %d, delivered %d (%.6f), counted lost %v\n", pr.Published, received, float64(received)/float64(max(pr.Published, 1)), lost)
	fmt.Fprintf(out, "latency µs, worst over the subscribers: p99 %.0f, p99.9 %.0f, max %.0f\n", worst.P99, worst.P999, worst.Max)
	// Each successor's histogram covers one hand-over (it starts with it).
	var per []float64
	for _, s := range subs[1:] {
		if s.Received > 0 {
			per = append(per, s.LatencyUS.P999)
		}
	}
	if len(per) > 0 {
		slices.Sort(per)
		fmt.Fprintf(out, "latency µs per hand-over (each successor's p99.9, %d): median %.0f, worst %.0f\n", len(per), per[len(per)/2], per[len(per)-1])
	}
	return nil
}
