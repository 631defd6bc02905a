package reactor

import (
	"errors"

	"github.com/nanoq/nq/internal/errs"
)

// ErrClosed is returned by Enroll after Close, and by writes to a connection
// that has closed: nanoQ's one closed error (errors.Is matches it with
// net.ErrClosed too).
var ErrClosed = errs.ErrClosed

// errNotSocket: EnrollDirect got a net.Conn without a descriptor.
var errNotSocket = errors.New("nanoq: reactor: connection has no socket descriptor")

// errFDBudget: EnrollDirect left out the DirectWriter to save descriptors (directFDShare).
var errFDBudget = errors.New("nanoq: reactor: descriptors scarce: no direct writer")
