package harness

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProcessFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	c0 := CPUSeconds()
	for deadline := time.Now().Add(30 * time.Millisecond); time.Now().Before(deadline); {
	}
	if c1 := CPUSeconds(); c1 <= c0 {
		t.Fatalf("CPUSeconds did not grow over a busy loop: %v -> %v", c0, c1)
	}
	rss, peak := RSSKiB(), PeakRSSKiB()
	if rss <= 0 || peak < rss {
		t.Fatalf("rss %d peak %d: want 0 < rss <= peak", rss, peak)
	}
	if err := RaiseNoFileLimit(); err != nil {
		t.Fatal(err)
	}
}

func TestStartProfiling(t *testing.T) {
	dir := t.TempDir()
	cfg := &Config{CPUProfile: filepath.Join(dir, "cpu.out"), MemProfile: filepath.Join(dir, "mem.out"), Trace: filepath.Join(dir, "trace.out"), PprofAddr: "127.0.0.1:0"}
	stop, err := StartProfiling(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	for _, f := range []string{cfg.CPUProfile, cfg.MemProfile, cfg.Trace} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Fatalf("profile %s missing or empty: %v", f, err)
		}
	}
	if _, err := StartProfiling(&Config{PprofAddr: "192.0.2.1:6060"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("non-loopback pprof: err = %v, want ErrInvalidConfig", err)
	}
}

func TestPprofServes(t *testing.T) {
	// Port 0: the bound address is only in the announcement on stderr.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	stop, err := StartProfiling(&Config{PprofAddr: "127.0.0.1:0"})
	os.Stderr = old
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	line, _ := io.ReadAll(r)
	_, url, ok := strings.Cut(strings.TrimSpace(string(line)), "pprof on ")
	if !ok {
		t.Fatalf("no announcement: %q", line)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url + "cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("harness")) {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
}

func TestWaitQuiet(t *testing.T) {
	t.Run("nothing arrives: max bounds the wait", func(t *testing.T) {
		start := time.Now()
		WaitQuiet(NewRecorder(), 10*time.Millisecond, 50*time.Millisecond)
		if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
			t.Fatalf("waited %v, want ≈ 50ms", d)
		}
	})
	t.Run("traffic then quiet", func(t *testing.T) {
		r := NewRecorder()
		r.Record(stampedAgo(0, 8))
		start := time.Now()
		WaitQuiet(r, 30*time.Millisecond, time.Hour)
		if d := time.Since(start); d < 20*time.Millisecond || d > 2*time.Second {
			t.Fatalf("waited %v, want ≈ 30ms", d)
		}
	})
}
