package run

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// Timing rules of benchspec.md and of idle mode.
const (
	quietEnd    = time.Second      // sub: stop after this long without a message
	quietMaxAdd = 10 * time.Second // sub: give up at -duration plus this when nothing arrives
	drainWait   = 5 * time.Second  // both: wait this long for received+lost to reach published
	closeWait   = 5 * time.Second  // pub: bound on the final flush and close
	idleConnect = 60 * time.Second // idle mode: bound on connecting every stream
	idleLinger  = time.Second      // idle pub: stay connected this long past its window
	idleSettle  = 2 * time.Second  // idle mode: let connection setup finish before the window
)

// options are the flags this package adds to harness.Config's.
type options struct {
	workers int // publishing goroutines; 0 = min(streams, GOMAXPROCS)
}

// Main registers the benchmark flags on flag.CommandLine (a peer registers
// its own extra flags before calling Main), parses them, runs the configured
// role with tr and prints the result. It exits the process with status 1 on
// error and does not return then.
func Main(tr Transport) {
	var cfg harness.Config
	var opt options
	cfg.RegisterFlags(flag.CommandLine)
	flag.IntVar(&opt.workers, "pub-workers", 0, "publishing goroutines, each round-robin over its share of the streams (0 = min(streams, GOMAXPROCS))")
	flag.BoolVar(&verbose, "v", false, "log the phases (dial, close) to stderr")
	flag.Parse()
	if err := run(tr, &cfg, opt); err != nil {
		fmt.Fprintf(os.Stderr, "%sbench: %v\n", tr.Name, err)
		os.Exit(1)
	}
}

func run(tr Transport, cfg *harness.Config, opt options) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := harness.RaiseNoFileLimit(); err != nil {
		fmt.Fprintf(os.Stderr, "%sbench: raising the descriptor limit: %v\n", tr.Name, err)
	}
	stopProf, err := harness.StartProfiling(cfg)
	if err != nil {
		return err
	}
	defer stopProf()
	res := harness.Result{
		Transport: tr.Name,
		Role:      cfg.Role,
		Streams:   cfg.Streams,
		SizeMin:   cfg.SizeMin,
		SizeMax:   cfg.SizeMax,
		Rate:      cfg.Rate,
		DurationS: cfg.Duration.Seconds(),
	}
	if opt.workers <= 0 {
		opt.workers = min(cfg.Streams, runtime.GOMAXPROCS(0))
	}
	switch cfg.Role {
	case harness.RolePub:
		err = runPub(tr, cfg, opt, &res)
	case harness.RoleSub:
		err = runSub(tr, cfg, &res)
	default:
		err = runBoth(tr, cfg, opt, &res)
	}
	if tr.Shutdown != nil {
		if serr := tr.Shutdown(); err == nil {
			err = serr
		}
	}
	if err != nil {
		return err
	}
	res.PeakRSSKiB = harness.PeakRSSKiB()
	return res.Write(os.Stdout, cfg.JSON)
}

// verbose enables logf; set once by Main before anything runs.
var verbose bool

// logf prints a progress note to stderr under -v.
func logf(format string, args ...any) {
	if verbose {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

// perMillion is CPU seconds per million messages, 0 without messages.
func perMillion(cpu float64, msgs int64) float64 {
	if msgs <= 0 {
		return 0
	}
	return cpu / float64(msgs) * 1e6
}

// sumLost adds up a transport's counted drops.
func sumLost(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
