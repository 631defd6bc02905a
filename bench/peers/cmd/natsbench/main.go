// Command natsbench is the NATS peer of the nanoQ benchmark suite: core NATS
// (no JetStream) through nats.go, with the server embedded in the subscriber
// process (github.com/nats-io/nats-server/v2, listening on 127.0.0.1 only).
// The subscriber is one connection subscribed to "bench.>"; each stream is
// one publisher connection publishing on "bench.<i>". The server's work is
// part of the subscriber's CPU and memory figures, since a NATS deployment
// needs it on the path.
//
// Client-side slow-consumer drops are reported as lost_counted
// "slow_consumer". The server may also cut a slow subscriber off; that is
// logged to stderr, and its loss shows as published minus received.
//
// It implements the flags and JSON result of the benchmark contract
// (bench/harness), TCP only; run it with -h for the flags.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
	server "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

const (
	subject     = "bench.>" // the subscriber's wildcard
	readyWait   = 10 * time.Second
	connectWait = 10 * time.Second
)

func main() {
	verbose := flag.Bool("server-log", false, "let the embedded NATS server log to stderr")
	run.Main(run.Transport{
		Name:   "nats",
		Listen: func(cfg *harness.Config, url string, d run.Deliver) (run.Sub, error) { return listen(url, d, *verbose) },
		Dial:   dial,
	})
}

// hostPort translates a benchmark URL (tcp4://, tcp:// or nats://) into a
// loopback host and port; unix sockets are not supported by NATS.
func hostPort(url string) (host string, port int, err error) {
	if rest, ok := strings.CutPrefix(url, "nats://"); ok {
		url = "tcp://" + rest
	}
	network, addr, err := harness.SplitURL(url)
	if err != nil {
		return "", 0, err
	}
	if network == "unix" {
		return "", 0, fmt.Errorf("nanoq: nats has no unix socket transport: %w", run.ErrUnsupported)
	}
	host, p, err := net.SplitHostPort(addr)
	if err == nil {
		port, err = strconv.Atoi(p)
	}
	if err != nil {
		return "", 0, fmt.Errorf("nanoq: nats address %q: %w", addr, err)
	}
	return host, port, nil
}

// sub is the embedded server plus the subscribing connection.
type sub struct {
	srv *server.Server
	nc  *nats.Conn
	sub *nats.Subscription
}

func listen(url string, deliver run.Deliver, verbose bool) (run.Sub, error) {
	host, port, err := hostPort(url)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		port = server.RANDOM_PORT // NATS reads port 0 as its default 4222
	}
	srv, err := server.NewServer(&server.Options{Host: host, Port: port, NoLog: !verbose, NoSigs: true})
	if err != nil {
		return nil, fmt.Errorf("nanoq: nats server: %w", err)
	}
	if verbose {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(readyWait) {
		srv.Shutdown()
		return nil, fmt.Errorf("nanoq: nats server on %s:%d not ready after %v", host, port, readyWait)
	}
	var warnOnce sync.Once
	nc, err := nats.Connect(srv.ClientURL(), nats.Name("natsbench-sub"), nats.Timeout(connectWait),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			warnOnce.Do(func() { fmt.Fprintf(os.Stderr, "nats sub: %v (drops counted as slow_consumer)\n", err) })
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			fmt.Fprintf(os.Stderr, "nats sub: disconnected (%v); what the server sends meanwhile is lost uncounted\n", err)
		}))
	if err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("nanoq: nats sub connect: %w", err)
	}
	s := &sub{srv: srv, nc: nc}
	s.sub, err = nc.Subscribe(subject, func(m *nats.Msg) { deliver(m.Data, 0) })
	if err == nil {
		err = nc.FlushTimeout(readyWait) // the server knows the subscription before READY
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("nanoq: nats subscribe: %w", err)
	}
	return s, nil
}

// URL is the server's client address in the benchmark's tcp4:// form (the
// shared flag validation knows no nats:// scheme; hostPort reads both).
func (s *sub) URL() string { return "tcp4://" + s.srv.Addr().String() }

func (s *sub) Lost() map[string]int64 {
	n, err := s.sub.Dropped()
	if err != nil || n == 0 {
		return nil
	}
	return map[string]int64{"slow_consumer": int64(n)}
}

func (s *sub) Close() error {
	if n := s.srv.NumSlowConsumers(); n > 0 {
		fmt.Fprintf(os.Stderr, "nats server: %d slow-consumer disconnects (their loss is uncounted)\n", n)
	}
	s.nc.Close()
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	return nil
}

// stream is one publishing connection with its subject.
type stream struct {
	nc      *nats.Conn
	subject string
}

func dial(cfg *harness.Config, url string) ([]run.Stream, error) {
	host, port, err := hostPort(url)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		return nil, fmt.Errorf("nanoq: nats: cannot connect to port 0")
	}
	addr := "nats://" + net.JoinHostPort(host, strconv.Itoa(port))
	streams := make([]run.Stream, 0, cfg.Streams)
	for i := range cfg.Streams {
		nc, err := nats.Connect(addr, nats.Name("natsbench-pub"), nats.Timeout(connectWait))
		if err != nil {
			for _, s := range streams {
				s.Close(time.Now())
			}
			return nil, fmt.Errorf("nanoq: nats pub connect %s: %w", addr, err)
		}
		streams = append(streams, &stream{nc: nc, subject: "bench." + strconv.Itoa(i)})
	}
	return streams, nil
}

func (s *stream) Send(p []byte) error { return s.nc.Publish(s.subject, p) }

// Flush does nothing: Publish already wakes nats.go's flusher goroutine,
// and a nats Flush is a PING/PONG round trip that no user pays per message.
func (s *stream) Flush() error { return nil }

// Close writes out what nats.go still buffers (its Close does) and closes
// the connection. It does not wait for the server's PONG: with thousands of
// connections those round trips alone would exceed the close bound.
func (s *stream) Close(time.Time) error {
	s.nc.Close()
	return nil
}
