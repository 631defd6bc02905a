package main

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLoadQuiet runs a synthetic load into nq sub -quiet, which prints rate
// lines, then a summary on Ctrl-C that counts every message published.
func TestLoadQuiet(t *testing.T) {
	sub := start(t, nil, "sub", "-quiet", "unix://"+filepath.Join(t.TempDir(), "nq.sock"))
	url := sub.listening(t)
	pub := start(t, nil, "pub", "-duration", "1500ms", "-rate", "2000", "-size", "64", "-streams", "4", url)
	pub.waitOK(t)
	m := regexp.MustCompile(`published (\d+) messages on 4 stream\(s\) in [0-9.]+ s; sent (\d+); lost 0`).FindStringSubmatch(pub.errText())
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("pub summary: %s", pub.errText())
	}
	// nq pub exits once every message was written to a socket; the rate
	// line's total says when the subscriber has them all.
	total := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d +\d+ msgs/s +[0-9.]+ MB/s  total ` + m[1] + `  streams \d+  lost 0$`)
	waitFor(t, "a rate line with total "+m[1], func() bool { return total.MatchString(sub.stdout.String()) })
	sub.interrupt(t)
	out := sub.waitOK(t)
	if strings.Contains(out, "nq 0 ") {
		t.Errorf("-quiet printed messages: %q", out)
	}
	n, _ := strconv.Atoi(m[1])
	want := fmt.Sprintf("received %d messages (%d bytes)", n, 64*n)
	if s := sub.errText(); !strings.Contains(s, want) || !strings.Contains(s, "lost 0") {
		t.Errorf("sub summary lacks %q: %s", want, s)
	}
}

// TestInterrupt: Ctrl-C ends nq sub with exit 0 and a summary.
func TestInterrupt(t *testing.T) {
	sub := start(t, nil, "sub", "tcp4://127.0.0.1:0")
	url := sub.listening(t)
	start(t, strings.NewReader("1\n22\n333\n"), "pub", url).waitOK(t)
	waitFor(t, "three lines", func() bool { return strings.Count(sub.stdout.String(), "\n") == 3 })
	sub.interrupt(t)
	sub.waitOK(t)
	if s := sub.errText(); !strings.Contains(s, "received 3 messages (6 bytes)") {
		t.Errorf("summary: %s", s)
	}
}

// TestBadInput checks the exit codes and messages of mistakes.
func TestBadInput(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, exitUsage, "usage:"},
		{"unknown command", []string{"peek"}, exitUsage, `unknown command "peek"`},
		{"bad url", []string{"sub", "tcp9://127.0.0.1:1"}, exitFail, "bad URL"},
		{"bad pub url", []string{"pub", "tcp://127.0.0.1"}, exitFail, "bad URL"},
		{"busy address", []string{"sub", "tcp4://" + busy.Addr().String()}, exitFail, "address already in use"},
		{"bad format", []string{"sub", "-format", "xml", "tcp4://127.0.0.1:0"}, exitUsage, `-format "xml"`},
		{"two urls", []string{"sub", "tcp4://127.0.0.1:0", "tcp4://127.0.0.1:0"}, exitUsage, "exactly one URL"},
		{"bad streams", []string{"pub", "-streams", "0", "tcp4://127.0.0.1:1"}, exitUsage, "-streams 0"},
		{"nobody listening", []string{"pub", "-timeout", "200ms", "tcp4://" + closedAddr(t)}, exitFail, "1 of 1 messages not written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, strings.NewReader("one line\n"), tt.args...)
			if code := p.wait(t); code != tt.code || !strings.Contains(p.errText(), tt.want) {
				t.Fatalf("exit %d, want %d; stderr lacks %q?\n%s", code, tt.code, tt.want, p.errText())
			}
		})
	}
}

// TestProxyProtocol: nq sub -proxy-protocol prints what comes after a
// PROXY header and refuses, counted, a connection without one.
func TestProxyProtocol(t *testing.T) {
	sub := start(t, nil, "sub", "-proxy-protocol", "-count", "1", "tcp4://127.0.0.1:0")
	addr := strings.TrimPrefix(sub.listening(t), "tcp4://")
	bare, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	bare.Write(frame("no header"))
	// The refused connection is closed by the subscriber: wait for that.
	if _, err := bare.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection without a PROXY header stayed open")
	}
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(append([]byte("PROXY TCP4 127.0.0.9 127.0.0.1 40000 7000\r\n"), frame("via proxy")...))
	if out := sub.waitOK(t); !regexp.MustCompile(`^\[\d+\] via proxy\n$`).MatchString(out) {
		t.Fatalf("stdout %q", out)
	}
	if s := sub.errText(); !strings.Contains(s, "malformed 1") {
		t.Errorf("summary does not count the refused connection: %s", s)
	}
}

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}
