package errs

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"
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

func TestCheckOptions(t *testing.T) {
	type opts struct {
		A    int
		B    time.Duration
		Name string
	}
	max := map[string]Limit{"A": {Max: 5}, "B": {Default: 7}}
	o := opts{A: 5, Name: "x"}
	if err := CheckOptions("publisher", &o, max); err != nil || o.B != 7 || o.A != 5 {
		t.Fatalf("in range: %v, %+v", err, o)
	}
	for _, c := range []struct {
		o    opts
		name string
	}{{opts{A: -1}, "A -1"}, {opts{A: 6}, "A 6"}, {opts{B: -time.Second}, "B -1000000000"}} {
		err := CheckOptions("subscriber", &c.o, max)
		if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), "subscriber options: "+c.name+" outside") {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
}

func TestScaled(t *testing.T) {
	for _, c := range []struct{ v, k, payload, floor, want int }{
		{0, 2, 10, 0, 20}, {5, 2, 10, 0, 5}, {5, 2, 10, 8, 8}, {0, 4, math.MaxInt, 1, math.MaxInt},
	} {
		if got := Scaled(c.v, c.k, c.payload, c.floor); got != c.want {
			t.Errorf("Scaled(%d, %d, %d, %d) = %d, want %d", c.v, c.k, c.payload, c.floor, got, c.want)
		}
	}
}
