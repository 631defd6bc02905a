// Package nettest holds helpers for nanoQ's tests: addresses, goleak options,
// Bind for subscribers, metrics and their samples, a recording Handler and a
// paced publisher.
package nettest

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// LeakOptions returns the goleak options every nanoQ test package uses: gnet
// starts two permanent ants goroutines at package init, which are not ours
// (IgnoreAnyFunction covers them wherever they are in the stack).
func LeakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"),
	}
}

// VerifyTestMain runs the package's tests, then fails if goroutines leaked.
func VerifyTestMain(m *testing.M) {
	goleak.VerifyTestMain(m, LeakOptions()...)
}

// TCPURL is a tcp4 URL on loopback with an ephemeral port.
const TCPURL = "tcp4://127.0.0.1:0"

// UnixPath returns a fresh unix socket path inside a temp dir of t. The
// path is kept short: sun_path holds about 108 bytes.
func UnixPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nq")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// Bind binds s, a subscriber its constructor returned with err, and closes
// it at cleanup. (It is generic because package sub's own tests use it.)
func Bind[S interface {
	Bind() error
	Close() error
}](t testing.TB, s S, err error) S {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
