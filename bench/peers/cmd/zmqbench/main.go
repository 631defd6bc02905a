// Command zmqbench is the ZeroMQ peer of the nanoQ benchmark suite: PUB/SUB
// through libzmq (github.com/pebbe/zmq4, cgo). The subscriber is one SUB
// socket bound to the address and subscribed to everything; each stream is
// one publisher socket connected to it. The publisher sockets are XPUB, the
// PUB that also hands the subscriptions it receives to the application:
// zmqbench reads the SUB's subscription once per socket so that nothing is
// published before the SUB has joined (a PUB would silently drop those
// first messages); publishing is the same libzmq code path as PUB.
//
// High-water marks default to libzmq's 1000 messages, as users get them:
// past that libzmq drops silently and counts nothing, so the result leaves
// lost_counted empty and loss is published minus received.
//
// It implements the flags and JSON result of the benchmark contract
// (bench/harness); run it with -h for the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
	zmq "github.com/pebbe/zmq4"
)

const (
	// recvTimeout is how often the receiving goroutine looks up from a
	// blocking receive to notice Close.
	recvTimeout = 100 * time.Millisecond
	// subscribeWait bounds the wait for the subscription of one XPUB socket.
	subscribeWait = 10 * time.Second
)

// flags are zmqbench's own flags.
type flags struct {
	hwm       int // SNDHWM of every XPUB and RCVHWM of the SUB
	ioThreads int // libzmq I/O threads of the context
}

// ctxState is the process's one libzmq context, created on first use.
var ctxState struct {
	once sync.Once
	ctx  *zmq.Context
	err  error
}

func main() {
	var f flags
	flag.IntVar(&f.hwm, "hwm", 1000, "high-water mark (messages) of every publisher socket and of the SUB; 1000 is libzmq's default, 0 = unlimited")
	flag.IntVar(&f.ioThreads, "io-threads", 1, "libzmq I/O threads (1 is libzmq's default)")
	run.Main(run.Transport{
		Name:   "zmq",
		Listen: func(cfg *harness.Config, url string, d run.Deliver) (run.Sub, error) { return listen(cfg, &f, url, d) },
		Dial:   func(cfg *harness.Config, url string) ([]run.Stream, error) { return dial(cfg, &f, url) },
		Shutdown: func() error {
			if ctxState.ctx == nil {
				return nil
			}
			return ctxState.ctx.Term() // waits for the XPUB sockets' linger
		},
	})
}

// zmqContext returns the process's libzmq context, sized for streams sockets.
func zmqContext(cfg *harness.Config, f *flags) (*zmq.Context, error) {
	ctxState.once.Do(func() {
		ctx, err := zmq.NewContext()
		if err == nil {
			err = ctx.SetIoThreads(f.ioThreads)
		}
		if err == nil {
			// The XPUB sockets, the SUB of a both-role run, a margin.
			err = ctx.SetMaxSockets(max(1023, cfg.Streams+64))
		}
		if err != nil {
			ctxState.err = fmt.Errorf("nanoq: zmq context: %w", err)
			return
		}
		ctxState.ctx = ctx
	})
	return ctxState.ctx, ctxState.err
}

// endpoint translates a benchmark URL into a libzmq endpoint: tcp4://h:p to
// tcp://h:p (port 0 to the wildcard port *), unix:///path to ipc:///path.
// libzmq's own tcp:// and ipc:// forms pass through, loopback-checked.
func endpoint(url string) (string, error) {
	if path, ok := strings.CutPrefix(url, "ipc://"); ok {
		url = "unix://" + path
	}
	network, addr, err := harness.SplitURL(url)
	if err != nil {
		return "", err
	}
	if network == "unix" {
		return "ipc://" + addr, nil
	}
	if host, ok := strings.CutSuffix(addr, ":0"); ok {
		addr = host + ":*"
	}
	return "tcp://" + addr, nil
}

// sub is the one SUB socket; its goroutine owns it until Close.
type sub struct {
	sock    *zmq.Socket
	url     string
	stopped atomic.Bool   // set by Close
	done    chan struct{} // closed when the receiving goroutine exits
}

func listen(cfg *harness.Config, f *flags, url string, deliver run.Deliver) (run.Sub, error) {
	ep, err := endpoint(url)
	if err != nil {
		return nil, err
	}
	ctx, err := zmqContext(cfg, f)
	if err != nil {
		return nil, err
	}
	sock, err := ctx.NewSocket(zmq.SUB)
	if err == nil {
		err = sock.SetRcvhwm(f.hwm)
	}
	if err == nil {
		err = sock.SetSubscribe("")
	}
	if err == nil {
		err = sock.SetRcvtimeo(recvTimeout)
	}
	if err == nil {
		err = sock.SetLinger(0)
	}
	if err == nil {
		err = sock.Bind(ep)
	}
	var bound string
	if err == nil {
		bound, err = sock.GetLastEndpoint()
	}
	if err != nil {
		if sock != nil {
			sock.Close()
		}
		return nil, fmt.Errorf("nanoq: zmq SUB on %s: %w", ep, err)
	}
	// Announce the benchmark's form: the shared flag validation knows
	// tcp:// but not libzmq's ipc://.
	if path, ok := strings.CutPrefix(bound, "ipc://"); ok {
		bound = "unix://" + path
	}
	s := &sub{sock: sock, url: bound, done: make(chan struct{})}
	go s.receive(deliver)
	return s, nil
}

func (s *sub) receive(deliver run.Deliver) {
	defer close(s.done)
	for !s.stopped.Load() {
		b, err := s.sock.RecvBytes(0)
		if err != nil {
			if zmq.AsErrno(err) == zmq.Errno(syscall.EAGAIN) {
				continue
			}
			if !s.stopped.Load() {
				fmt.Fprintf(os.Stderr, "zmq recv: %v\n", err)
			}
			return
		}
		deliver(b, 0)
	}
}

func (s *sub) URL() string            { return s.url }
func (s *sub) Lost() map[string]int64 { return nil } // libzmq counts no HWM drops

func (s *sub) Close() error {
	s.stopped.Store(true)
	<-s.done
	return s.sock.Close()
}

// stream is one publisher (XPUB) socket.
type stream struct {
	sock *zmq.Socket
}

func dial(cfg *harness.Config, f *flags, url string) ([]run.Stream, error) {
	ep, err := endpoint(url)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(ep, ":*") {
		return nil, errors.New("nanoq: zmq: cannot connect to port 0")
	}
	ctx, err := zmqContext(cfg, f)
	if err != nil {
		return nil, err
	}
	streams := make([]run.Stream, 0, cfg.Streams)
	fail := func(err error) ([]run.Stream, error) {
		for _, s := range streams {
			s.Close(time.Now())
		}
		return nil, fmt.Errorf("nanoq: zmq XPUB to %s: %w", ep, err)
	}
	for range cfg.Streams {
		sock, err := ctx.NewSocket(zmq.XPUB)
		if err != nil {
			return fail(err)
		}
		streams = append(streams, &stream{sock: sock})
		if err = sock.SetSndhwm(f.hwm); err == nil {
			err = sock.SetRcvtimeo(subscribeWait)
		}
		if err == nil {
			err = sock.Connect(ep)
		}
		if err != nil {
			return fail(err)
		}
	}
	// A PUB drops what it sends before the SUB's subscription reached it
	// (the "slow joiner"). An XPUB hands that subscription to the
	// application: read it once per socket, then publish.
	for _, s := range streams {
		msg, err := s.(*stream).sock.RecvBytes(0)
		if err != nil {
			return fail(fmt.Errorf("no subscription within %v: %w", subscribeWait, err))
		}
		if len(msg) == 0 || msg[0] != 1 {
			return fail(fmt.Errorf("unexpected subscription message %q", msg))
		}
	}
	return streams, nil
}

func (s *stream) Send(p []byte) error {
	_, err := s.sock.SendBytes(p, 0) // a PUB never blocks: at the HWM it drops
	return err
}

func (s *stream) Flush() error { return nil } // libzmq's I/O thread sends at once

// Close lets libzmq keep sending what is queued until deadline (the
// context's Term waits for it) and closes the socket.
func (s *stream) Close(deadline time.Time) error {
	if err := s.sock.SetLinger(max(time.Until(deadline), 0)); err != nil {
		return err
	}
	return s.sock.Close()
}
