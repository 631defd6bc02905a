package harness

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidConfig is wrapped by Config.Validate and the -size parser for a
// flag out of range.
var ErrInvalidConfig = errors.New("nanoq: invalid benchmark config")

// MinSize is the smallest payload: the 8-byte publish timestamp.
const MinSize = 8

// Roles and transports accepted by the -role and -transport flags.
const (
	RoleBoth = "both" // publisher and subscriber in one process
	RolePub  = "pub"  // publisher only
	RoleSub  = "sub"  // subscriber only

	TransportTCP  = "tcp"
	TransportUnix = "unix"
)

// Config holds the flags every benchmark binary shares (see benchspec.md).
type Config struct {
	Role      string // both, pub or sub
	URL       string // tcp4://127.0.0.1:PORT or unix:///path; "" picks one (see ListenURL)
	Transport string // tcp or unix: the kind of URL picked when URL is ""

	Streams  int           // parallel streams (connections)
	SizeMin  int           // smallest payload, >= MinSize
	SizeMax  int           // largest payload, >= SizeMin
	Duration time.Duration // how long the publisher publishes
	Rate     float64       // total msgs/s over all streams; 0 = as fast as possible
	Steady   bool          // pace with a busy wait: sends evenly spaced (NewSteadyPacer)
	JSON     bool          // print the one-line JSON result instead of a table
	Idle     time.Duration // > 0: idle mode, one message per stream then silence for Idle

	Hist       string // subscriber: write the latency histogram here (Recorder.WriteHist)
	CPUProfile string // write a CPU profile here
	MemProfile string // write a heap profile here when the run ends
	Trace      string // write a runtime execution trace here
	PprofAddr  string // serve net/http/pprof on this loopback address
}

// NewPacer returns a Pacer for rate sends per second, steady with -steady.
func (c *Config) NewPacer(rate float64) *Pacer {
	if c.Steady {
		return NewSteadyPacer(rate)
	}
	return NewPacer(rate)
}

// RegisterFlags registers the common flags on fs with their defaults, which
// it also stores in c. -size accepts "N" or "MIN-MAX"; sizes below MinSize
// are raised to MinSize.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	c.SizeMin, c.SizeMax = 100, 100
	fs.StringVar(&c.Role, "role", RoleBoth, "both|pub|sub: which side(s) this process runs")
	fs.StringVar(&c.URL, "url", "", "address: tcp4://127.0.0.1:PORT or unix:///path (default: loopback port 0 or a temp socket)")
	fs.StringVar(&c.Transport, "transport", TransportTCP, "tcp|unix: the kind of default address when -url is not given")
	fs.IntVar(&c.Streams, "streams", 1, "parallel streams (connections)")
	fs.Var((*sizeFlag)(c), "size", "payload bytes: N or MIN-MAX (uniform random per message), at least 8")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long the publisher publishes")
	fs.Float64Var(&c.Rate, "rate", 0, "total msgs/s over all streams, paced; 0 = as fast as possible")
	fs.BoolVar(&c.Steady, "steady", false, "with -rate: space the sends evenly, spinning on a core between them (default: sleep, which here sends bursts about every millisecond)")
	fs.BoolVar(&c.JSON, "json", false, "print the result as one JSON line on stdout")
	fs.DurationVar(&c.Idle, "idle", 0, "idle mode: open the streams, send one message each, then stay silent this long (with -role pub or sub, then connected as long again, for the other process to measure)")
	fs.StringVar(&c.Hist, "hist", "", "write the subscriber's latency histogram to this file (HdrHistogram percentile distribution, ms)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.StringVar(&c.MemProfile, "memprofile", "", "write a heap profile to this file at the end")
	fs.StringVar(&c.Trace, "trace", "", "write a runtime execution trace to this file (go tool trace)")
	fs.StringVar(&c.PprofAddr, "pprof", "", "serve net/http/pprof on this loopback address (e.g. 127.0.0.1:6060)")
}

// sizeFlag is the flag.Value of -size, writing SizeMin and SizeMax.
type sizeFlag Config

func (f *sizeFlag) String() string {
	if f == nil {
		return ""
	}
	if f.SizeMin == f.SizeMax {
		return strconv.Itoa(f.SizeMin)
	}
	return fmt.Sprintf("%d-%d", f.SizeMin, f.SizeMax)
}

func (f *sizeFlag) Set(s string) error {
	lo, hi, err := ParseSize(s)
	if err != nil {
		return err
	}
	f.SizeMin, f.SizeMax = lo, hi
	return nil
}

// ParseSize parses "N" or "MIN-MAX" into a size range, raising values below
// MinSize to MinSize.
func ParseSize(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil {
		return 0, 0, fmt.Errorf("nanoq: size %q: %w", s, ErrInvalidConfig)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
			return 0, 0, fmt.Errorf("nanoq: size %q: %w", s, ErrInvalidConfig)
		}
	}
	if lo < 0 || hi < lo {
		return 0, 0, fmt.Errorf("nanoq: size %q: want N or MIN-MAX with 0 <= MIN <= MAX: %w", s, ErrInvalidConfig)
	}
	return max(lo, MinSize), max(hi, MinSize), nil
}

// Validate checks the flags' ranges and the URL's form. It raises payload
// sizes below MinSize to MinSize.
func (c *Config) Validate() error {
	c.SizeMin, c.SizeMax = max(c.SizeMin, MinSize), max(c.SizeMax, MinSize)
	var bad string
	switch {
	case c.Role != RoleBoth && c.Role != RolePub && c.Role != RoleSub:
		bad = fmt.Sprintf("-role %q: want both, pub or sub", c.Role)
	case c.Transport != TransportTCP && c.Transport != TransportUnix:
		bad = fmt.Sprintf("-transport %q: want tcp or unix", c.Transport)
	case c.Streams < 1:
		bad = fmt.Sprintf("-streams %d: want at least 1", c.Streams)
	case c.SizeMax < c.SizeMin:
		bad = fmt.Sprintf("-size %d-%d: MIN above MAX", c.SizeMin, c.SizeMax)
	case c.Duration <= 0:
		bad = fmt.Sprintf("-duration %v: want > 0", c.Duration)
	case c.Rate < 0:
		bad = fmt.Sprintf("-rate %v: want >= 0", c.Rate)
	case c.Idle < 0:
		bad = fmt.Sprintf("-idle %v: want >= 0", c.Idle)
	case c.Role == RolePub && c.URL == "":
		bad = "-role pub needs -url (the subscriber's READY address)"
	}
	if bad != "" {
		return fmt.Errorf("nanoq: %s: %w", bad, ErrInvalidConfig)
	}
	if c.URL != "" {
		if _, _, err := SplitURL(c.URL); err != nil {
			return err
		}
	}
	if c.PprofAddr != "" {
		if err := checkLoopback(c.PprofAddr); err != nil {
			return err
		}
	}
	return nil
}

// ListenURL returns the URL to bind: c.URL when set, else a loopback TCP
// URL with port 0 or a unix socket in a fresh temp dir (per c.Transport).
// cleanup removes that temp dir; it is never nil.
func (c *Config) ListenURL() (url string, cleanup func(), err error) {
	if c.URL != "" {
		return c.URL, func() {}, nil
	}
	if c.Transport != TransportUnix {
		return "tcp4://127.0.0.1:0", func() {}, nil
	}
	dir, err := os.MkdirTemp("", "nqb")
	if err != nil {
		return "", func() {}, fmt.Errorf("nanoq: temp dir for the unix socket: %w", err)
	}
	return "unix://" + filepath.Join(dir, "s.sock"), func() { os.RemoveAll(dir) }, nil
}

// SplitURL splits a benchmark URL into a Go network ("tcp", "tcp4", "tcp6"
// or "unix") and address (host:port or socket path), so peers can translate
// it into their own form. Only loopback TCP hosts are accepted.
func SplitURL(url string) (network, address string, err error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || rest == "" {
		return "", "", fmt.Errorf("nanoq: url %q: want tcp4://127.0.0.1:PORT or unix:///path: %w", url, ErrInvalidConfig)
	}
	switch scheme {
	case "unix":
		return "unix", rest, nil
	case "tcp", "tcp4", "tcp6":
		if err := checkLoopback(rest); err != nil {
			return "", "", err
		}
		return scheme, rest, nil
	}
	return "", "", fmt.Errorf("nanoq: url %q: unknown scheme %q: %w", url, scheme, ErrInvalidConfig)
}

// checkLoopback accepts host:port only when host is a loopback IP or
// "localhost": benchmark traffic never leaves the machine.
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("nanoq: address %q: %v: %w", hostport, err, ErrInvalidConfig)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("nanoq: address %q is not loopback: %w", hostport, ErrInvalidConfig)
}
