// Package errs defines the sentinel errors that several nanoQ packages
// return, once, so that each has one value whichever package returns it.
// It imports only the standard library, so any package may import it.
package errs

import (
	"errors"
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
