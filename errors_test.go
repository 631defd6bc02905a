package nq_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanoq/nq"
	"github.com/nanoq/nq/pub"
	"github.com/nanoq/nq/reactor"
	"github.com/nanoq/nq/sub"
)

// Each sentinel has one value, whichever package returns it, and nq
// exports every one a caller may test for.
func TestSentinels(t *testing.T) {
	if pub.ErrInvalidOptions != sub.ErrInvalidOptions || nq.ErrInvalidOptions != pub.ErrInvalidOptions {
		t.Error("ErrInvalidOptions differs between packages")
	}
	if reactor.ErrClosed != nq.ErrClosed || pub.ErrClosed != nq.ErrClosed || sub.ErrClosed != nq.ErrClosed {
		t.Error("ErrClosed differs between packages")
	}
	if !errors.Is(nq.ErrClosed, net.ErrClosed) {
		t.Error("ErrClosed does not match net.ErrClosed")
	}
	if _, err := pub.New("http://x", pub.Options{}); !errors.Is(err, nq.ErrBadURL) {
		t.Errorf("bad URL: %v, want ErrBadURL", err)
	}
	if _, err := nq.ParseURL("tcp4://"); !errors.Is(err, nq.ErrBadURL) {
		t.Errorf("ParseURL: %v, want ErrBadURL", err)
	}
	if _, err := sub.New("tcp4://127.0.0.1:0", sub.Options{MaxPayload: -1}); !errors.Is(err, nq.ErrInvalidOptions) {
		t.Errorf("negative option: %v, want ErrInvalidOptions", err)
	}
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sub.New("unix://"+path, sub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(); !errors.Is(err, nq.ErrPathInUse) {
		t.Errorf("Bind over a file: %v, want ErrPathInUse", err)
	}
}
