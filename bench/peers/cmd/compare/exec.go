package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// Bounds on a run's phases, beyond its -duration and -idle.
const (
	readyWait = 60 * time.Second  // the subscriber's READY line
	pubSlack  = 120 * time.Second // the publisher: dialing thousands of streams, closing
	subSlack  = 30 * time.Second  // the subscriber, after the publisher exited
	tailLines = 20                // stderr lines kept for an error message
)

// outcome is one transport's run of one row.
type outcome struct {
	pub, sub *harness.Result
	err      error
	skipped  string // why the transport did not run this row (no error)
}

// runPair runs t's subscriber and publisher as separate processes with the
// given benchmark flags: the subscriber binds listenURL and announces the
// bound address on stderr (READY), then the publisher is started against it.
func runPair(t transport, listenURL string, args []string, budget time.Duration, verbose bool) outcome {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	subLog := newTail(t.name+" sub", verbose)
	sub := command(ctx, t, "sub", listenURL, args)
	var subOut bytes.Buffer
	sub.Stdout = &subOut
	ready := make(chan string, 1)
	stderr, err := sub.StderrPipe()
	if err != nil {
		return outcome{err: err}
	}
	if err := sub.Start(); err != nil {
		return outcome{err: fmt.Errorf("start sub: %w", err)}
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		scanReady(stderr, ready, subLog)
	}()
	subDone := make(chan error, 1)
	go func() {
		<-scanned // Wait closes the pipe: read it to the end first
		subDone <- sub.Wait()
	}()

	var url string
	select {
	case url = <-ready:
	case err := <-subDone:
		return outcome{err: fmt.Errorf("sub exited before READY (%v): %s", err, subLog)}
	case <-time.After(readyWait):
		cancel()
		<-subDone
		return outcome{err: fmt.Errorf("no READY from sub within %v: %s", readyWait, subLog)}
	}

	pubLog := newTail(t.name+" pub", verbose)
	pubCtx, pubCancel := context.WithTimeout(ctx, budget+pubSlack)
	defer pubCancel()
	pub := command(pubCtx, t, "pub", url, args)
	var pubOut bytes.Buffer
	pub.Stdout, pub.Stderr = &pubOut, pubLog
	pubErr := pub.Run()

	var subErr error
	select {
	case subErr = <-subDone:
	case <-time.After(budget + subSlack):
		cancel()
		subErr = fmt.Errorf("sub still running %v after the pub exited: killed", budget+subSlack)
		<-subDone
	}
	var o outcome
	o.pub, err = lastResult(pubOut.Bytes())
	if pubErr != nil || err != nil {
		o.err = errors.Join(o.err, fmt.Errorf("pub: %v %v: %s", pubErr, err, pubLog))
	}
	o.sub, err = lastResult(subOut.Bytes())
	if subErr != nil || err != nil {
		o.err = errors.Join(o.err, fmt.Errorf("sub: %v %v: %s", subErr, err, subLog))
	}
	return o
}

// command builds one side's command line: transport flags, role, address,
// benchmark flags. A cancelled ctx kills that process (and only it).
func command(ctx context.Context, t transport, role, url string, args []string) *exec.Cmd {
	a := append(append([]string{}, t.extra...), "-role", role, "-url", url)
	cmd := exec.CommandContext(ctx, t.bin, append(a, args...)...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// scanReady copies the subscriber's stderr into log and sends the address
// of its first "READY <url>" line on ready.
func scanReady(r io.Reader, ready chan<- string, log *tail) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if url, ok := strings.CutPrefix(line, "READY "); ok && !sent {
			ready <- strings.TrimSpace(url)
			sent = true
			continue
		}
		log.Write([]byte(line + "\n"))
	}
}

// lastResult decodes the last JSON object line of a process's stdout.
func lastResult(out []byte) (*harness.Result, error) {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var r harness.Result
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("decode result: %w", err)
		}
		return &r, nil
	}
	return nil, errors.New("no JSON result on stdout")
}

// tail keeps the last lines a process wrote to stderr (echoing them with a
// prefix under -v) for error messages.
type tail struct {
	mu      sync.Mutex
	prefix  string
	verbose bool
	partial []byte
	lines   []string
}

func newTail(prefix string, verbose bool) *tail { return &tail{prefix: prefix, verbose: verbose} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		line := string(t.partial[:i])
		t.partial = t.partial[i+1:]
		if t.verbose {
			fmt.Fprintf(os.Stderr, "  [%s] %s\n", t.prefix, line)
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > tailLines {
			t.lines = t.lines[1:]
		}
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "(no stderr)"
	}
	return "stderr: " + strings.Join(t.lines, " | ")
}
