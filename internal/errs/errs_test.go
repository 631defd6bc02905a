package errs

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestErrClosed(t *testing.T) {
	wrapped := fmt.Errorf("nanoq: publish: %w", ErrClosed)
	for _, target := range []error{ErrClosed, net.ErrClosed} {
		if !errors.Is(wrapped, target) {
			t.Errorf("errors.Is(%v, %v) = false", wrapped, target)
		}
	}
	if errors.Is(net.ErrClosed, ErrClosed) || errors.Is(ErrInvalidOptions, ErrClosed) {
		t.Error("ErrClosed matches what it is not")
	}
}

func TestCheckFields(t *testing.T) {
	ok := []Field{{"A", 0, 5}, {"B", 5, 5}}
	if err := CheckFields("publisher", ok...); err != nil {
		t.Fatalf("in range: %v", err)
	}
	for _, bad := range []Field{{"Neg", -1, 5}, {"Big", 6, 5}} {
		err := CheckFields("subscriber", append(ok, bad)...)
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), "subscriber options: "+bad.Name) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
