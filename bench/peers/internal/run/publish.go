package run

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// publish sends stamped payloads for cfg.Duration from workers goroutines,
// each round-robin over its share of the streams and paced at its share of
// cfg.Rate. It returns the messages the streams accepted and the Send or
// Flush errors.
func publish(cfg *harness.Config, workers int, streams []Stream) (published, failed int64) {
	workers = min(max(workers, 1), len(streams))
	var (
		stop      atomic.Bool
		wg        sync.WaitGroup
		total     atomic.Int64
		errs      atomic.Int64
		firstErr  sync.Once
		reportErr = func(err error) {
			firstErr.Do(func() { fmt.Fprintf(os.Stderr, "publish: %v (further errors only counted)\n", err) })
		}
	)
	timer := time.AfterFunc(cfg.Duration, func() { stop.Store(true) })
	defer timer.Stop()
	for w := range workers {
		var own []Stream
		for i := w; i < len(streams); i += workers {
			own = append(own, streams[i])
		}
		rate := cfg.Rate * float64(len(own)) / float64(len(streams))
		wg.Go(func() {
			n, e := publishWorker(cfg, own, rate, &stop, reportErr)
			total.Add(n)
			errs.Add(e)
		})
	}
	wg.Wait()
	return total.Load(), errs.Load()
}

// publishWorker is one publishing goroutine.
func publishWorker(cfg *harness.Config, own []Stream, rate float64, stop *atomic.Bool, reportErr func(error)) (n, failed int64) {
	rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	pacer := cfg.NewPacer(rate)
	paced := rate > 0
	buf := make([]byte, cfg.SizeMax)
	next := 0
	for !stop.Load() {
		s := own[next]
		if next++; next == len(own) {
			next = 0
		}
		pacer.Wait()
		buf = harness.Payload(cfg, rnd, buf)
		if err := s.Send(buf); err != nil {
			failed++
			reportErr(err)
			continue
		}
		n++
		if paced {
			if err := s.Flush(); err != nil {
				failed++
				reportErr(err)
			}
		}
	}
	for _, s := range own {
		if err := s.Flush(); err != nil {
			failed++
			reportErr(err)
		}
	}
	return n, failed
}

// sendOnePerStream sends idle mode's single message on every stream.
func sendOnePerStream(cfg *harness.Config, streams []Stream) (published, failed int64) {
	rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	buf := make([]byte, cfg.SizeMax)
	for _, s := range streams {
		buf = harness.Payload(cfg, rnd, buf)
		if err := s.Send(buf); err != nil {
			failed++
			continue
		}
		if err := s.Flush(); err != nil {
			failed++
			continue
		}
		published++
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "idle: %d of %d streams failed their message\n", failed, len(streams))
	}
	return published, failed
}
