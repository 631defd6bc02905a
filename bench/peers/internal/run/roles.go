package run

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/nanoq/nq/bench/harness"
)

// runPub publishes to the subscriber at cfg.URL: for cfg.Duration, or in
// idle mode one message per stream followed by cfg.Idle of silence.
func runPub(tr Transport, cfg *harness.Config, opt options, res *harness.Result) error {
	cpu0, rss0, costs := harness.CPUSeconds(), harness.RSSKiB(), harness.TakeCosts()
	t := time.Now()
	streams, err := tr.Dial(cfg, cfg.URL)
	if err != nil {
		return err
	}
	logf("dialed %d streams in %v", len(streams), time.Since(t))
	if cfg.Idle > 0 {
		res.Published, res.PublishErrors = sendOnePerStream(cfg, streams)
		res.RSSPerStreamKiB = float64(harness.RSSKiB()-rss0) / float64(cfg.Streams)
		res.IdleCPUCores, res.IdleS = idleWindow(cfg.Idle)
		res.Goroutines = runtime.NumGoroutine()
		time.Sleep(idleLinger) // stay connected while the subscriber ends its own window
	} else {
		res.Published, res.PublishErrors = publish(cfg, opt.workers, streams)
		res.Goroutines = runtime.NumGoroutine()
	}
	// A slow final flush is reported, not fatal: its loss shows as
	// published minus received.
	t = time.Now()
	if err := closeStreams(streams, t.Add(closeWait)); err != nil {
		fmt.Fprintf(os.Stderr, "%s pub: %v\n", tr.Name, err)
	}
	logf("closed %d streams in %v", len(streams), time.Since(t))
	res.CPUS = harness.CPUSeconds() - cpu0
	costs.Fill(res)
	res.CPUSPerMillion = perMillion(res.CPUS, res.Published)
	return nil
}

// runSub binds, announces READY and receives until the quiet-ending rule
// (or, in idle mode, until the idle window) ends the run.
func runSub(tr Transport, cfg *harness.Config, res *harness.Result) error {
	url, cleanup, err := cfg.ListenURL()
	if err != nil {
		return err
	}
	defer cleanup()
	cpu0, costs := harness.CPUSeconds(), harness.TakeCosts()
	rec := harness.NewRecorder()
	sub, err := tr.Listen(cfg, url, rec.RecordStream)
	if err != nil {
		return err
	}
	rss0 := harness.RSSKiB()
	harness.Ready(sub.URL())
	if cfg.Idle > 0 {
		waitStreams(rec, nil, int64(cfg.Streams), max(cfg.Duration+quietMaxAdd, idleConnect))
		res.RSSPerStreamKiB = float64(harness.RSSKiB()-rss0) / float64(cfg.Streams)
		res.IdleCPUCores, res.IdleS = idleWindow(cfg.Idle)
	} else {
		harness.WaitQuiet(rec, quietEnd, cfg.Duration+quietMaxAdd)
	}
	res.Goroutines = runtime.NumGoroutine()
	rec.Fill(res)
	if err := rec.WriteHist(cfg.Hist); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tr.Name, err)
	}
	res.LostCounted = sub.Lost()
	res.CPUS = harness.CPUSeconds() - cpu0
	costs.Fill(res)
	res.CPUSPerMillion = perMillion(res.CPUS, res.Received)
	return sub.Close()
}

// runBoth runs subscriber and publisher in this process and reports once.
func runBoth(tr Transport, cfg *harness.Config, opt options, res *harness.Result) error {
	url, cleanup, err := cfg.ListenURL()
	if err != nil {
		return err
	}
	defer cleanup()
	cpu0, rss0, costs := harness.CPUSeconds(), harness.RSSKiB(), harness.TakeCosts()
	rec := harness.NewRecorder()
	sub, err := tr.Listen(cfg, url, rec.RecordStream)
	if err != nil {
		return err
	}
	streams, err := tr.Dial(cfg, sub.URL())
	if err != nil {
		sub.Close()
		return err
	}
	if cfg.Idle > 0 {
		res.Published, res.PublishErrors = sendOnePerStream(cfg, streams)
		waitStreams(rec, sub, res.Published, max(cfg.Duration+quietMaxAdd, idleConnect))
		res.RSSPerStreamKiB = float64(harness.RSSKiB()-rss0) / float64(cfg.Streams)
		res.IdleCPUCores, res.IdleS = idleWindow(cfg.Idle)
	} else {
		res.Published, res.PublishErrors = publish(cfg, opt.workers, streams)
		waitStreams(rec, sub, res.Published, drainWait)
	}
	res.Goroutines = runtime.NumGoroutine()
	rec.Fill(res)
	if err := rec.WriteHist(cfg.Hist); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tr.Name, err)
	}
	res.LostCounted = sub.Lost()
	res.CPUS = harness.CPUSeconds() - cpu0
	costs.Fill(res)
	res.CPUSPerMillion = perMillion(res.CPUS, res.Received)
	if err := closeStreams(streams, time.Now().Add(closeWait)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tr.Name, err)
	}
	return sub.Close()
}

// waitStreams waits until received plus counted loss (sub may be nil)
// reaches want, or until max passes. In a split run the subscriber cannot
// know what the publisher lost, so it also stops after quietEnd without a
// message once something arrived.
func waitStreams(rec *harness.Recorder, sub Sub, want int64, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		got, _, _ := rec.Snapshot()
		if sub != nil {
			got += sumLost(sub.Lost())
		}
		if got >= want {
			return
		}
		if last := rec.LastArrival(); sub == nil && !last.IsZero() && time.Since(last) > 2*quietEnd {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// idleWindow waits idleSettle for connection setup (and the garbage
// collection it triggers) to finish, then sleeps d and returns the process's
// CPU cores used meanwhile.
func idleWindow(d time.Duration) (cores, seconds float64) {
	time.Sleep(idleSettle)
	c0, t0 := harness.CPUSeconds(), time.Now()
	time.Sleep(d)
	seconds = time.Since(t0).Seconds()
	return (harness.CPUSeconds() - c0) / seconds, seconds
}

// closeStreams closes every stream (a few at a time, as a flush may wait for
// the peer) and returns the first error.
func closeStreams(streams []Stream, deadline time.Time) error {
	const parallel = 16
	errs := make(chan error, len(streams))
	sem := make(chan struct{}, parallel)
	for _, s := range streams {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- s.Close(deadline)
		}()
	}
	var first error
	for range streams {
		if err := <-errs; err != nil && first == nil {
			first = fmt.Errorf("nanoq: closing a publisher stream: %w", err)
		}
	}
	return first
}
