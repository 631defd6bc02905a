// Package errs defines the sentinel errors that several nanoQ packages
// return, once, so that each has one value whichever package returns it.
// It imports only the standard library, so any package may import it.
package errs

import (
	"errors"
	"fmt"
	"net"
)

// ErrClosed is returned by operations on a closed Publisher, Subscriber,
// queue or reactor. errors.Is matches it with net.ErrClosed too.
var ErrClosed error = closedError{}

// ErrInvalidOptions is wrapped by the constructors for an option out of
// range.
var ErrInvalidOptions = errors.New("nanoq: invalid options")

type closedError struct{}

func (closedError) Error() string { return "nanoq: closed" }

// Is makes errors.Is(ErrClosed, net.ErrClosed) true: nanoQ's closed is the
// network's closed, to callers that test for the latter.
func (closedError) Is(target error) bool { return target == net.ErrClosed }

// Field is an option's name, value and largest allowed value, for
// CheckFields.
type Field struct {
	Name       string
	Value, Max int64
}

// CheckFields returns an error wrapping ErrInvalidOptions that names the
// first field outside 0..Max, or nil. side is "publisher" or "subscriber".
func CheckFields(side string, fields ...Field) error {
	for _, f := range fields {
		if f.Value < 0 || f.Value > f.Max {
			return fmt.Errorf("nanoq: %s options: %s %d outside 0..%d: %w", side, f.Name, f.Value, f.Max, ErrInvalidOptions)
		}
	}
	return nil
}
