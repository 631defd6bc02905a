// Command gobench is the plain-Go baseline of the nanoQ benchmark suite:
// one net.Conn per stream, uvarint(len) || payload frames written through a
// 64 KiB bufio.Writer and read by one goroutine per connection through a
// 64 KiB bufio.Reader. It shows what straightforward Go achieves; it never
// drops a message (TCP backpressure blocks the publisher instead).
//
// It implements the flags and JSON result of the benchmark contract
// (bench/harness); run it with -h for the flags.
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/bench/harness"
	"github.com/nanoq/nq/bench/peers/internal/run"
)

const bufSize = 64 << 10 // bufio.Reader and bufio.Writer size

// maxFrame bounds a frame's length so a corrupt header cannot allocate GiBs.
const maxFrame = 64 << 20

var errFrameTooBig = errors.New("nanoq: gobench frame too big")

func main() {
	dialTimeout := flag.Duration("dial-timeout", 5*time.Second, "timeout of each stream's dial")
	run.Main(run.Transport{
		Name:   "go",
		Listen: listen,
		Dial: func(cfg *harness.Config, url string) ([]run.Stream, error) {
			return dial(cfg, url, *dialTimeout)
		},
	})
}

// sub accepts connections and runs one reading goroutine per connection.
type sub struct {
	ln      net.Listener
	url     string
	deliver run.Deliver
	closed  atomic.Bool // set by Close before closing ln and the conns

	mu    sync.Mutex          // guards conns
	conns map[net.Conn]uint32 // open connections and their stream numbers
	wg    sync.WaitGroup      // accept loop and readers
}

func listen(_ *harness.Config, url string, deliver run.Deliver) (run.Sub, error) {
	network, addr, err := harness.SplitURL(url)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("nanoq: gobench listen: %w", err)
	}
	s := &sub{ln: ln, deliver: deliver, conns: make(map[net.Conn]uint32)}
	if network == "unix" {
		s.url = "unix://" + ln.Addr().String()
	} else {
		s.url = "tcp4://" + ln.Addr().String()
	}
	s.wg.Go(s.accept)
	return s, nil
}

func (s *sub) URL() string            { return s.url }
func (s *sub) Lost() map[string]int64 { return nil }

func (s *sub) accept() {
	var next uint32
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if !s.closed.Load() {
				fmt.Fprintf(os.Stderr, "gobench accept: %v\n", err)
			}
			return
		}
		s.mu.Lock()
		if s.closed.Load() {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = next
		s.mu.Unlock()
		id := next
		next++
		s.wg.Go(func() { s.read(c, id) })
	}
}

// read parses frames from one connection until it closes.
func (s *sub) read(c net.Conn, id uint32) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReaderSize(c, bufSize)
	var buf []byte
	for {
		n, err := binary.ReadUvarint(br)
		if err == nil && n > maxFrame {
			err = fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
		}
		if err == nil {
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			_, err = io.ReadFull(br, buf[:n])
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !s.closed.Load() {
				fmt.Fprintf(os.Stderr, "gobench read: %v\n", err)
			}
			return
		}
		s.deliver(buf[:n], id)
	}
}

func (s *sub) Close() error {
	s.closed.Store(true)
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// stream is one publishing connection.
type stream struct {
	c   net.Conn
	bw  *bufio.Writer
	hdr [binary.MaxVarintLen64]byte
}

func dial(cfg *harness.Config, url string, timeout time.Duration) ([]run.Stream, error) {
	network, addr, err := harness.SplitURL(url)
	if err != nil {
		return nil, err
	}
	streams := make([]run.Stream, 0, cfg.Streams)
	for range cfg.Streams {
		c, err := net.DialTimeout(network, addr, timeout)
		if err != nil {
			for _, s := range streams {
				s.Close(time.Now())
			}
			return nil, fmt.Errorf("nanoq: gobench dial %s: %w", url, err)
		}
		streams = append(streams, &stream{c: c, bw: bufio.NewWriterSize(c, bufSize)})
	}
	return streams, nil
}

func (s *stream) Send(p []byte) error {
	n := binary.PutUvarint(s.hdr[:], uint64(len(p)))
	if _, err := s.bw.Write(s.hdr[:n]); err != nil {
		return err
	}
	_, err := s.bw.Write(p)
	return err
}

func (s *stream) Flush() error { return s.bw.Flush() }

func (s *stream) Close(deadline time.Time) error {
	s.c.SetWriteDeadline(deadline)
	err := s.bw.Flush()
	if cerr := s.c.Close(); err == nil {
		err = cerr
	}
	return err
}
