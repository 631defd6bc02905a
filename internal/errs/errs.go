// Package errs defines the sentinel errors that several nanoQ packages
// return, once, so that each has one value whichever package returns it.
// It imports only the standard library, so any package may import it.
package errs

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net"
	"reflect"
)

// ErrClosed is returned by operations on a closed Publisher, Subscriber,
// queue or reactor. errors.Is matches it with net.ErrClosed too.
var ErrClosed error = closedError{}

// ErrInvalidOptions is wrapped by the constructors for an option out of range.
var ErrInvalidOptions = errors.New("nanoq: invalid options")

type closedError struct{}

func (closedError) Error() string { return "nanoq: closed" }

// Is makes errors.Is(ErrClosed, net.ErrClosed) true: nanoQ's closed is the
// network's closed, to callers that test for the latter.
func (closedError) Is(target error) bool { return target == net.ErrClosed }

// Limit is the range and the default of one integer or duration option.
type Limit struct {
	Default int64 // what 0 becomes
	Max     int64 // 0: no upper bound
}

// CheckOptions checks the integer and duration fields of the options struct
// *opts (of side "publisher" or "subscriber") and sets the zero ones to their
// Default in limits. It returns an error wrapping ErrInvalidOptions that
// names the first field that is negative or above its Max, or nil.
func CheckOptions(side string, opts any, limits map[string]Limit) error {
	v := reflect.ValueOf(opts).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanInt() {
			continue
		}
		name, n := v.Type().Field(i).Name, f.Int()
		l := limits[name]
		l.Max = cmp.Or(l.Max, math.MaxInt64)
		if n < 0 || n > l.Max {
			return fmt.Errorf("nanoq: %s options: %s %d outside 0..%d: %w", side, name, n, l.Max, ErrInvalidOptions)
		}
		if n == 0 {
			f.SetInt(l.Default)
		}
	}
	return nil
}

// Scaled returns v, or k × payload if v is 0, and at least floor; it
// does not overflow int.
func Scaled(v, k, payload, floor int) int {
	if v == 0 {
		v = math.MaxInt
		if payload <= math.MaxInt/k {
			v = k * payload
		}
	}
	return max(v, floor)
}
