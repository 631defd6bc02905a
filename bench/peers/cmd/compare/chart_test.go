package main

import (
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChartsFromRaw draws the charts of a small fixed -raw file.
func TestChartsFromRaw(t *testing.T) {
	rows, ts, results, err := loadRaw("testdata/raw.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range ts {
		names = append(names, tr.name)
	}
	if got := strings.Join(names, ","); got != "nanoq,nanoq-seed,zmq,go" {
		t.Fatalf("transports %s, want the file's in column order", got)
	}
	if len(rows) != 3 || rows[0].id != "1x100" || rows[2].id != "latency" {
		t.Fatalf("rows %v", rows)
	}
	if o := results[0][1]; o.pub == nil || o.sub == nil || o.sub.MsgsPerS != 7.9e6 {
		t.Fatalf("nanoq-seed 1x100: %+v, want its own pub and sub results", o)
	}

	prefix := filepath.Join(t.TempDir(), "compare")
	files, err := writeCharts(prefix, "svg", rows, ts, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != prefix+"-throughput.svg" || files[1] != prefix+"-latency.svg" {
		t.Fatalf("files %v", files)
	}
	throughput := svgText(t, files[0])
	for _, want := range []string{"1 stream × 100 B", "1 stream × 64 KiB", "M msgs/s received", "MB/s received", "10.20", "14.50", "3900", "nanoq-seed", "zmq"} {
		if !strings.Contains(throughput, want) {
			t.Errorf("throughput chart lacks %q; its text: %s", want, throughput)
		}
	}
	latency := svgText(t, files[1])
	for _, want := range []string{"by percentile", "50%", "99.99%", "latency µs", "nanoq", "zmq", "go"} {
		if !strings.Contains(latency, want) {
			t.Errorf("latency chart lacks %q; its text: %s", want, latency)
		}
	}

	files, err = writeCharts(prefix, "png", rows[:1], ts, results[:1])
	if err != nil || len(files) != 1 {
		t.Fatalf("png: %v %v (a throughput row only: one chart)", files, err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width < 500 {
		t.Fatalf("png: %+v %v", cfg, err)
	}
}

// svgText checks that name is well-formed XML and returns its text nodes.
func svgText(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte(' ')
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element %q, want svg", name, root)
	}
	return text.String()
}

func TestLoadRawErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"row\":\n"), 0o644)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	for _, name := range []string{bad, empty, filepath.Join(dir, "missing.jsonl")} {
		if _, _, _, err := loadRaw(name); err == nil {
			t.Errorf("loadRaw(%s): no error", name)
		}
	}
}
