package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// result is what Parse or Parse2 returned, with a Frame's pieces joined.
type result struct {
	payload []byte // nil unless n > 0
	n, need int
	err     error
}

func parseResult(p []byte, max int) result {
	payload, n, need, err := Parse(p, max)
	return result{payload, n, need, err}
}

func parse2Result(a, b []byte, max int) result {
	f, n, need, err := Parse2(a, b, max)
	var payload []byte
	if n > 0 {
		payload = make([]byte, f.Len())
		f.CopyTo(payload)
	}
	return result{payload, n, need, err}
}

// sameResult fails t unless got matches want (see diff).
func sameResult(t *testing.T, what string, got, want result) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Fatalf("%s: %s", what, d)
	}
}

// diff describes how got differs from want, or returns "" when they match:
// same n and need, payloads with equal bytes, and errors of the same class
// (nil, ErrTooBig or ErrMalformed). It is cheap when they match, for loops
// over millions of cut points.
func diff(got, want result) string {
	if got.n != want.n || got.need != want.need || errClass(got.err) != errClass(want.err) {
		return fmt.Sprintf("got n=%d need=%d err=%v; want n=%d need=%d err=%v",
			got.n, got.need, got.err, want.n, want.need, want.err)
	}
	if got.n > 0 && !bytes.Equal(got.payload, want.payload) {
		return fmt.Sprintf("payload differs (len %d, want len %d)", len(got.payload), len(want.payload))
	}
	if got.n == 0 && len(got.payload) != 0 {
		return fmt.Sprintf("payload of %d bytes returned with n=0", len(got.payload))
	}
	return ""
}

// errClass names the sentinel an error wraps, so that results compare by class.
func errClass(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, ErrTooBig):
		return "ErrTooBig"
	case errors.Is(err, ErrMalformed):
		return "ErrMalformed"
	}
	return "other: " + err.Error()
}

// pattern returns a payload of n bytes whose content depends on n and seed,
// so that a payload taken from the wrong offset does not compare equal.
func pattern(n, seed int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + seed*31 + n)
	}
	return p
}

// split returns p cut at s, with a's capacity ending at s so that reading
// past a's end panics instead of silently seeing b's bytes.
func split(p []byte, s int) (a, b []byte) { return p[:s:s], p[s:] }

// sameStart reports whether x and y are non-empty and start at the same byte.
func sameStart(x, y []byte) bool { return len(x) > 0 && len(y) > 0 && &x[0] == &y[0] }

// uvarintOf is the reference encoding of n.
func uvarintOf(n uint64) []byte { return binary.AppendUvarint(nil, n) }

// sizeName names a sub-test after a payload size.
func sizeName(n int) string { return "size=" + strconv.Itoa(n) }

func itoa(n int) string { return strconv.Itoa(n) }
