package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
	"runtime/trace"
	"time"
)

// StartProfiling starts what cfg asks for: a CPU profile (-cpuprofile), an
// execution trace (-trace), a heap profile written when stop runs
// (-memprofile), and net/http/pprof on
// a loopback address (-pprof; any other address is refused). stop ends them
// all and reports nothing; call it once, before printing the result. On
// error nothing is left running.
func StartProfiling(cfg *Config) (stop func(), err error) {
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if cfg.PprofAddr != "" {
		if err := checkLoopback(cfg.PprofAddr); err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("nanoq: pprof listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fmt.Fprintf(os.Stderr, "pprof: %v\n", err)
			}
		}()
		fmt.Fprintf(os.Stderr, "pprof on http://%s/debug/pprof/\n", ln.Addr())
		stops = append(stops, func() { srv.Close(); <-done })
	}
	for _, w := range []struct {
		path, what string
		start      func(io.Writer) error
		stop       func()
	}{
		{cfg.CPUProfile, "cpu profile", rpprof.StartCPUProfile, rpprof.StopCPUProfile},
		{cfg.Trace, "trace", trace.Start, trace.Stop},
	} {
		if w.path == "" {
			continue
		}
		stop, err := startFile(w.path, w.start, w.stop)
		if err != nil {
			stopAll()
			return nil, fmt.Errorf("nanoq: %s: %w", w.what, err)
		}
		stops = append(stops, stop)
	}
	if cfg.MemProfile != "" {
		path := cfg.MemProfile
		stops = append(stops, func() {
			if err := writeHeapProfile(path); err != nil {
				fmt.Fprintf(os.Stderr, "%v\n", err)
			}
		})
	}
	return stopAll, nil
}

// startFile creates path and starts a profile or trace writing to it; the
// returned func stops it and closes the file.
func startFile(path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { stop(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("nanoq: heap profile: %w", err)
	}
	runtime.GC() // up-to-date statistics
	if err := rpprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("nanoq: heap profile: %w", err)
	}
	return f.Close()
}
