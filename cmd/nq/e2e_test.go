package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFormats pipes three lines through nq pub into nq sub -count 3 in
// each output format.
func TestFormats(t *testing.T) {
	tests := []struct {
		format string
		want   []string // the lines after "[stream] ", or the json payloads
	}{
		{"text", []string{"a", "bb", "c c c"}},
		{"hex", []string{"61", "6262", "6320632063"}},
		{"json", []string{"a", "bb", "c c c"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			sub := start(t, nil, "sub", "-count", "3", "-format", tt.format, "tcp4://127.0.0.1:0")
			url := sub.listening(t)
			start(t, strings.NewReader("a\nbb\r\nc c c\n"), "pub", url).waitOK(t)
			lines := strings.Split(strings.TrimSuffix(sub.waitOK(t), "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("stdout %q: want 3 lines", lines)
			}
			streams := map[string]bool{}
			for i, l := range lines {
				var stream, got string
				if tt.format == "json" {
					var m struct {
						Stream  uint32 `json:"stream"`
						Size    int    `json:"size"`
						Payload []byte `json:"payload"`
					}
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						t.Fatalf("line %q: %v", l, err)
					}
					if m.Size != len(m.Payload) {
						t.Errorf("line %q: size %d, payload %d bytes", l, m.Size, len(m.Payload))
					}
					stream, got = strconv.Itoa(int(m.Stream)), string(m.Payload)
				} else {
					var ok bool
					if stream, got, ok = strings.Cut(l, " "); !ok {
						t.Fatalf("line %q: want [stream] payload", l)
					}
				}
				streams[stream] = true
				if got != tt.want[i] {
					t.Errorf("message %d: %q, want %q (line %q)", i, got, tt.want[i], l)
				}
			}
			if len(streams) != 1 {
				t.Errorf("one key came on streams %v, want one", streams)
			}
			if s := sub.errText(); !strings.Contains(s, "received 3 messages (8 bytes)") || !strings.Contains(s, "lost 0") {
				t.Errorf("summary: %s", s)
			}
		})
	}
}

// TestStreamsKeepOrder spreads nine lines over three keys: each key has a
// stream of its own and its lines arrive in order.
func TestStreamsKeepOrder(t *testing.T) {
	sub := start(t, nil, "sub", "-count", "9", "tcp4://127.0.0.1:0")
	url := sub.listening(t)
	var in strings.Builder
	for i := range 9 {
		fmt.Fprintf(&in, "%d\n", i)
	}
	pub := start(t, strings.NewReader(in.String()), "pub", "-streams", "3", "-key", "k", url)
	pub.waitOK(t)
	if s := pub.errText(); !strings.Contains(s, "published 9 messages on 3 stream(s)") || !strings.Contains(s, "sent 9; lost 0") {
		t.Errorf("pub summary: %s", s)
	}
	byStream := map[string][]int{}
	for _, l := range strings.Split(strings.TrimSpace(sub.waitOK(t)), "\n") {
		stream, v, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("line %q", l)
		}
		byStream[stream] = append(byStream[stream], n)
	}
	if len(byStream) != 3 {
		t.Fatalf("streams %v, want 3", byStream)
	}
	for stream, got := range byStream {
		for i := 1; i < len(got); i++ {
			if len(got) != 3 || got[i] != got[i-1]+3 {
				t.Fatalf("stream %s got %v, want three lines k apart by 3, in order", stream, got)
			}
		}
	}
}

// TestRawWire talks to nq the way the original nanoQ does: raw frames
// into nq sub, and nq pub's bytes read as raw frames.
func TestRawWire(t *testing.T) {
	t.Run("into sub", func(t *testing.T) {
		sub := start(t, nil, "sub", "-count", "2", "tcp4://127.0.0.1:0")
		url := sub.listening(t)
		c, err := net.Dial("tcp4", strings.TrimPrefix(url, "tcp4://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(append(frame("first"), frame("second one")...)); err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`^\[\d+\] first\n\[\d+\] second one\n$`)
		if out := sub.waitOK(t); !re.MatchString(out) {
			t.Fatalf("stdout %q", out)
		}
	})
	t.Run("from pub", func(t *testing.T) {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		pub := start(t, strings.NewReader("x\nyy\n"), "pub", "tcp4://"+ln.Addr().String())
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for _, want := range []string{"x", "yy"} {
			n, err := binary.ReadUvarint(r)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil || string(b) != want {
				t.Fatalf("frame %q (%v), want %q", b, err, want)
			}
		}
		pub.waitOK(t)
	})
}
