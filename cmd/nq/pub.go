package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq"
	"github.com/prometheus/client_golang/prometheus"
)

// pubConfig holds nq pub's flags.
type pubConfig struct {
	key        string
	streams    int
	rate       float64
	size       int
	duration   time.Duration
	timeout    time.Duration
	maxPayload int
	verbose    bool
}

func runPub(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var c pubConfig
	fs := flag.NewFlagSet("nq pub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nq pub [flags] URL\n\nPublishes each line of standard input as a message (without its newline), or\nwith -duration a synthetic load; then waits for the buffer to drain and prints\nwhat was sent and lost.")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.key, "key", "nq", "stream key; with -streams N the keys are KEY-0 … KEY-(N-1)")
	fs.IntVar(&c.streams, "streams", 1, "spread the messages round robin over this many stream keys (one connection each)")
	fs.DurationVar(&c.duration, "duration", 0, "publish a synthetic load for this long instead of reading standard input")
	fs.Float64Var(&c.rate, "rate", 1000, "synthetic load: total msgs/s (0: as fast as possible)")
	fs.IntVar(&c.size, "size", 100, "synthetic load: payload bytes")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "at the end, wait at most this long for buffered messages to be written")
	fs.IntVar(&c.maxPayload, "max-payload", 0, "largest payload, bytes (0: 10 MiB, the nanoQ default)")
	fs.BoolVar(&c.verbose, "v", false, "log connections opening and closing too (default: warnings and errors)")
	url, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case c.streams < 1 || c.streams > 1<<20:
		return fmt.Errorf("%w: -streams %d: want 1 … %d", errUsage, c.streams, 1<<20)
	case c.rate < 0 || c.size < 0 || c.duration < 0 || c.timeout < 0 || c.maxPayload < 0:
		return fmt.Errorf("%w: -rate, -size, -duration, -timeout and -max-payload must be >= 0", errUsage)
	}

	reg := prometheus.NewRegistry()
	p, err := nq.NewPublisher(url, nq.PubOpts{
		Metrics:    nq.NewMetrics(reg),
		MaxPayload: c.maxPayload,
		Logger:     newLogger(stderr, "nq pub", c.verbose),
	})
	if err != nil {
		return err
	}
	handles := make([]*nq.Stream, c.streams)
	for i := range handles {
		key := c.key
		if c.streams > 1 {
			key += "-" + strconv.Itoa(i)
		}
		handles[i] = p.Stream(key)
	}
	start := time.Now()
	var published, refused int64
	var perr error
	if c.duration > 0 {
		published, refused, perr = publishLoad(ctx, &c, handles)
	} else {
		published, refused, perr = publishLines(ctx, stdin, handles, max(c.maxPayload, nq.DefaultMaxPayload))
	}

	sctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	serr := p.Shutdown(sctx)
	cancel()
	cs := counts{reg}
	lost := cs.byReason("nanoq_pub_lost_messages_total")
	fmt.Fprintf(stderr, "nq pub: published %d messages on %d stream(s) in %.1f s; sent %d; lost %s",
		published, c.streams, time.Since(start).Seconds(), cs.sum("nanoq_pub_messages_total"), formatLoss(lost))
	if refused > 0 {
		fmt.Fprintf(stderr, "; refused %d", refused)
	}
	if u := cs.sum("nanoq_pub_unacked_bytes_total"); u > 0 {
		fmt.Fprintf(stderr, "; up to %d bytes written but not acknowledged", u)
	}
	fmt.Fprintln(stderr)
	switch {
	case perr != nil:
		return perr
	case serr != nil && !errors.Is(serr, nq.ErrUnsent):
		return serr
	case lossTotal(lost) > 0 || serr != nil:
		return fmt.Errorf("%d of %d messages not written to %s", lossTotal(lost), published, url)
	}
	return nil
}

// publishLines publishes each line of r (without its line ending) on the
// next handle, round robin, until r ends or ctx is done. It returns the
// messages published and those Publish refused.
func publishLines(ctx context.Context, r io.Reader, handles []*nq.Stream, maxPayload int) (published, refused int64, err error) {
	var pubd, refd atomic.Int64
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), maxPayload+2) // the line and its "\r\n"
		for i := 0; sc.Scan() && ctx.Err() == nil; i++ {
			if err := handles[i%len(handles)].Publish(sc.Bytes()); err != nil {
				refd.Add(1)
				continue
			}
			pubd.Add(1)
		}
		if err := sc.Err(); err != nil {
			done <- fmt.Errorf("reading standard input: %w", err)
			return
		}
		done <- nil
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Ctrl-C while standard input blocks: what was published is
		// flushed; the reader goroutine ends with the process.
	}
	return pubd.Load(), refd.Load(), err
}

// publishLoad publishes c.size-byte messages at c.rate msgs/s in total,
// round robin over handles, for c.duration or until ctx is done. Each
// payload reads "nq <sequence> " padded with dots, so that nq sub shows it.
func publishLoad(ctx context.Context, c *pubConfig, handles []*nq.Stream) (published, refused int64, err error) {
	payload := make([]byte, c.size)
	var interval time.Duration
	if c.rate > 0 {
		interval = time.Duration(float64(time.Second) / c.rate)
	}
	start := time.Now()
	end := start.Add(c.duration)
	next := start
	for seq := int64(0); ctx.Err() == nil; seq++ {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if interval > 0 {
			next = next.Add(interval)
			if d := next.Sub(now); d > time.Millisecond {
				time.Sleep(d)
			}
		}
		fillPayload(payload, seq)
		if err := handles[seq%int64(len(handles))].Publish(payload); err != nil {
			refused++
			continue
		}
		published++
	}
	return published, refused, nil
}

// fillPayload writes "nq <seq> " then dots into p, truncated to len(p).
func fillPayload(p []byte, seq int64) {
	head := strconv.AppendInt([]byte("nq "), seq, 10)
	head = append(head, ' ')
	n := copy(p, head)
	for i := n; i < len(p); i++ {
		p[i] = '.'
	}
}
