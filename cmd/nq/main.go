// Command nq looks at nanoQ streams from a shell: "nq sub" binds a
// subscriber and prints what arrives, "nq pub" publishes lines of standard
// input or a synthetic load. Both speak the wire of nanoQ and of the
// original nanoQ (a uvarint length, then the payload), so they work
// against either.
//
//	go run ./cmd/nq sub tcp4://127.0.0.1:7000
//	echo hello | go run ./cmd/nq pub tcp4://127.0.0.1:7000
//	go run ./cmd/nq pub -rate 10000 -size 100 -duration 5s -streams 8 tcp4://127.0.0.1:7000
//	go run ./cmd/nq sub -quiet tcp4://127.0.0.1:7000     # a rate line a second
//
// Run "nq sub -h" or "nq pub -h" for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  nq sub [flags] URL   bind URL and print the messages that arrive
  nq pub [flags] URL   publish each line of standard input, or a synthetic load

URL: tcp://host:port, tcp4://, tcp6:// or unix:///path. Run "nq sub -h" or
"nq pub -h" for the flags.
`

// Exit codes: 0 done, 1 a failure (bad URL, busy address, messages lost),
// 2 bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// errUsage marks a usage error (exit code 2).
var errUsage = errors.New("usage")

// run runs one subcommand until it ends or ctx is cancelled (Ctrl-C) and
// returns the exit code; messages go to stdout, diagnostics to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "sub":
		err = runSub(ctx, args[1:], stdout, stderr)
	case "pub":
		err = runPub(ctx, args[1:], stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "nq: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "nq %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "nq %s: %v\n", args[0], err)
		return exitFail
	}
}

// parseFlags parses args into fs and returns the one URL argument.
func parseFlags(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: want exactly one URL argument, got %q", errUsage, fs.Args())
	}
	return fs.Arg(0), nil
}

// newLogger returns the logger for nanoQ's log lines on w: warnings and
// errors, and with verbose info lines too (connections opening, closing).
func newLogger(w io.Writer, cmd string, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // the terminal has the time
			}
			return a
		},
	})).With("cmd", cmd)
}

// counts reads nanoQ's metrics from a private registry.
type counts struct{ g prometheus.Gatherer }

// sum returns the sum over every series of the named counter or gauge.
func (c counts) sum(name string) int64 {
	var total float64
	c.each(name, func(_ map[string]string, v float64) { total += v })
	return int64(total)
}

// byReason returns the named loss counter's nonzero series by reason.
func (c counts) byReason(name string) map[string]int64 {
	out := map[string]int64{}
	c.each(name, func(labels map[string]string, v float64) {
		if v > 0 {
			out[labels["reason"]] += int64(v)
		}
	})
	return out
}

func (c counts) each(name string, fn func(labels map[string]string, v float64)) {
	mfs, err := c.g.Gather()
	if err != nil {
		return
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			fn(labels, v)
		}
	}
}

// formatLoss renders losses as "0" or "n (reason n, ...)".
func formatLoss(m map[string]int64) string {
	var total int64
	reasons := make([]string, 0, len(m))
	for r, n := range m {
		total += n
		reasons = append(reasons, r)
	}
	if total == 0 {
		return "0"
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%s %d", r, m[r])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// lossTotal sums a loss map.
func lossTotal(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
