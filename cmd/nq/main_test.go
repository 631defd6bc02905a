package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nanoq/nq/internal/nettest"
)

// The tests run nq as separate processes: this test binary re-executed
// with runMainEnv set runs main instead of the tests.
const runMainEnv = "NQ_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	nettest.VerifyTestMain(m)
}

// proc is one nq process.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	mu     sync.Mutex
	stderr bytes.Buffer
	url    chan string // the "listening on" URL of nq sub
	done   chan struct{}
	err    error
}

// start runs nq with args and stdin (may be nil), ending it after a minute.
func start(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	p := &proc{url: make(chan string, 1), done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, os.Args[0], args...)
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stdin = stdin
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if u, ok := strings.CutPrefix(sc.Text(), "nq sub: listening on "); ok {
				p.url <- u
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	return p
}

// listening waits for nq sub's bound URL.
func (p *proc) listening(t *testing.T) string {
	t.Helper()
	select {
	case u := <-p.url:
		return u
	case <-p.done:
		t.Fatalf("nq sub exited before listening: %v\n%s", p.err, p.errText())
	case <-time.After(30 * time.Second):
		t.Fatalf("nq sub did not listen:\n%s", p.errText())
	}
	return ""
}

// wait waits for the process and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%v did not exit:\n%s", p.cmd.Args, p.errText())
	}
	if p.err == nil {
		return 0
	}
	if ee, ok := p.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatalf("%v: %v", p.cmd.Args, p.err)
	return -1
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitOK waits for a zero exit and returns stdout.
func (p *proc) waitOK(t *testing.T) string {
	t.Helper()
	if code := p.wait(t); code != 0 {
		t.Fatalf("%v exited %d:\n%s", p.cmd.Args, code, p.errText())
	}
	return p.stdout.String()
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond (every 10 ms, 30 s at most): for output a process
// prints, which has no other signal.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// frame encodes one message on the wire: a uvarint length, the payload.
func frame(payload string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(payload))), payload...)
}

// interrupt sends SIGINT (Ctrl-C) to p.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}
