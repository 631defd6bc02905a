package errs

import (
	"errors"
	"fmt"
	"net"
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
