//go:build linux

// Dup3 (to capture stdout and stderr) exists on Linux only; CI runs this there.

package reactor

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/nanoq/nq/internal/logx"
	"golang.org/x/sys/unix"
)

// captureOutput runs fn with descriptors 1 and 2 redirected to a pipe and
// returns what was written to them. It redirects the descriptors, not the
// os.Stdout variable, because gnet's zap logger holds its own *os.File.
// The test must not log while fn runs (with -v, t.Log writes at once).
func captureOutput(t *testing.T, fn func()) string {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(pr)
		_ = pr.Close()
		out <- string(b)
	}()
	var saved [2]int
	for i, fd := range []int{1, 2} {
		if saved[i], err = unix.Dup(fd); err != nil {
			t.Fatal(err)
		}
		if err := unix.Dup3(int(pw.Fd()), fd, 0); err != nil {
			t.Fatal(err)
		}
	}
	func() {
		defer func() { // restore even if fn fails the test
			for i, fd := range []int{1, 2} {
				_ = unix.Dup3(saved[i], fd, 0)
				_ = unix.Close(saved[i])
			}
			_ = pw.Close()
		}()
		fn()
	}()
	return <-out
}

func TestSilentByDefault(t *testing.T) {
	t.Run("capture works", func(t *testing.T) { // the check below can fail
		got := captureOutput(t, func() {
			fmt.Fprint(os.Stdout, "out ")
			fmt.Fprint(os.Stderr, "err")
		})
		if got != "out err" {
			t.Fatalf("captured %q", got)
		}
	})
	t.Run("nil Logger prints nothing", func(t *testing.T) {
		var errs []error
		got := captureOutput(t, func() {
			r, err := Start(Config{Loops: 2})
			if err != nil {
				errs = append(errs, err)
				return
			}
			ln := listen(t, "tcp")
			dialed, acc := connPair(t, ln)
			rec := newRecorder()
			if _, err := r.Enroll(acc, rec); err != nil {
				errs = append(errs, err)
			}
			_ = dialed.Close()
			<-rec.closed
			errs = append(errs, r.Close())
		})
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if got != "" {
			t.Fatalf("printed to stdout/stderr: %q", got)
		}
	})
}

func TestLoggerReceivesGnetLines(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	l := logx.New(func(format string, v ...any) {
		mu.Lock()
		lines = append(lines, fmt.Sprintf(format, v...))
		mu.Unlock()
	}, nil)
	r, err := Start(Config{Loops: 1, Logger: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	gnetLogger{l}.Fatalf("test %d", 42) // must not exit
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(lines, "\n")
	for _, want := range []string{
		"nanoq: info: gnet: Starting gnet client with 1 event loops",
		"nanoq: error: gnet: fatal: test 42",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in log:\n%s", want, joined)
		}
	}
}
