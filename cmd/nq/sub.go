package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq"
	"github.com/prometheus/client_golang/prometheus"
)

// Output formats of nq sub.
const (
	formatText = "text" // [stream] payload
	formatHex  = "hex"  // [stream] payload in hex
	formatJSON = "json" // {"stream":N,"size":N,"payload":"base64"}
)

// flushEvery is how often buffered output reaches stdout while messages
// arrive (and at once at the end).
const flushEvery = 100 * time.Millisecond

func runSub(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nq sub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nq sub [flags] URL\n\nBinds URL and prints one line per message that arrives; a summary on Ctrl-C.")
		fs.PrintDefaults()
	}
	format := fs.String("format", formatText, "text|hex|json: one line per message; json gives {\"stream\",\"size\",\"payload\" (base64)}")
	count := fs.Int64("count", 0, "exit after this many messages (0: until Ctrl-C)")
	quiet := fs.Bool("quiet", false, "print no messages; a rate line every second instead (msgs/s, MB/s, messages so far, streams, loss)")
	proxy := fs.Bool("proxy-protocol", false, "require a PROXY protocol v1/v2 header on every connection (behind HAProxy send-proxy or a cloud NLB)")
	verbose := fs.Bool("v", false, "log connections opening and closing too (default: warnings and errors)")
	maxPayload := fs.Int("max-payload", 0, "largest payload accepted, bytes (0: 10 MiB, the nanoQ default)")
	url, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *format != formatText && *format != formatHex && *format != formatJSON:
		return fmt.Errorf("%w: -format %q: want text, hex or json", errUsage, *format)
	case *count < 0 || *maxPayload < 0:
		return fmt.Errorf("%w: -count and -max-payload must be >= 0", errUsage)
	}

	reg := prometheus.NewRegistry()
	s, err := nq.NewSubscriber(url, nq.SubOpts{
		Metrics:       nq.NewMetrics(reg),
		ProxyProtocol: *proxy,
		MaxPayload:    *maxPayload,
		Logger:        newLogger(stderr, "nq sub", *verbose),
	})
	if err != nil {
		return err
	}
	if err := s.Bind(); err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stderr, "nq sub: listening on %s\n", s.URL())

	st := &subStats{counts: counts{reg}, start: time.Now()}
	out := newLineWriter(stdout)
	defer out.stop()
	if *quiet {
		defer st.printRates(stdout)()
	}
	buf := make([]byte, max(*maxPayload, nq.DefaultMaxPayload))
	var line []byte
	for *count == 0 || st.msgs.Load() < *count {
		p, sd, err := s.Receive(ctx, buf)
		if err != nil {
			if ctx.Err() != nil {
				break // Ctrl-C
			}
			return err
		}
		st.msgs.Add(1)
		st.bytes.Add(int64(len(p)))
		if !*quiet {
			line = appendMessage(line[:0], *format, sd, p)
			out.write(line)
		}
	}
	out.stop()
	st.summary(stderr)
	return nil
}

// appendMessage appends one output line for a message to b.
func appendMessage(b []byte, format string, sd nq.StreamDescriptor, p []byte) []byte {
	switch format {
	case formatJSON:
		j, _ := json.Marshal(struct {
			Stream  nq.StreamDescriptor `json:"stream"`
			Size    int                 `json:"size"`
			Payload []byte              `json:"payload"`
		}{sd, len(p), p})
		b = append(b, j...)
	case formatHex:
		b = fmt.Appendf(b, "[%d] ", sd)
		b = hex.AppendEncode(b, p)
	default:
		b = fmt.Appendf(b, "[%d] ", sd)
		b = append(b, p...)
	}
	return append(b, '\n')
}

// subStats are nq sub's running totals.
type subStats struct {
	counts
	start       time.Time
	msgs, bytes atomic.Int64
}

// printRates prints a rate line to w every second until the returned stop
// is called.
func (st *subStats) printRates(w io.Writer) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last, lastBytes, lastT := st.msgs.Load(), st.bytes.Load(), time.Now()
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				m, b := st.msgs.Load(), st.bytes.Load()
				dt := now.Sub(lastT).Seconds()
				fmt.Fprintf(w, "%s %10.0f msgs/s %9.3f MB/s  total %d  streams %d  lost %s\n",
					now.Format("15:04:05"), float64(m-last)/dt, float64(b-lastBytes)/dt/1e6, m,
					st.sum("nanoq_sub_streams"), formatLoss(st.byReason("nanoq_sub_lost_messages_total")))
				last, lastBytes, lastT = m, b, now
			}
		}
	}()
	return func() { close(quit); <-done }
}

// summary prints the totals.
func (st *subStats) summary(w io.Writer) {
	fmt.Fprintf(w, "nq sub: received %d messages (%d bytes) in %.1f s; streams open %d; lost %s\n",
		st.msgs.Load(), st.bytes.Load(), time.Since(st.start).Seconds(),
		st.sum("nanoq_sub_streams"), formatLoss(st.byReason("nanoq_sub_lost_messages_total")))
}

// lineWriter buffers output lines and flushes them every flushEvery, so
// that a fast stream costs few writes and a slow one still shows at once.
type lineWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func newLineWriter(w io.Writer) *lineWriter {
	lw := &lineWriter{w: bufio.NewWriterSize(w, 64<<10), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-lw.quit:
				return
			case <-t.C:
				lw.flush()
			}
		}
	}()
	return lw
}

func (lw *lineWriter) write(b []byte) {
	lw.mu.Lock()
	lw.w.Write(b)
	lw.mu.Unlock()
}

func (lw *lineWriter) flush() {
	lw.mu.Lock()
	lw.w.Flush()
	lw.mu.Unlock()
}

// stop ends the flushing goroutine and flushes what is left; idempotent.
func (lw *lineWriter) stop() {
	lw.once.Do(func() {
		close(lw.quit)
		<-lw.done
		lw.flush()
	})
}
