package reactor

import "errors"

// ErrClosed is returned by Enroll after Close, and by writes to a connection
// that has closed.
var ErrClosed = errors.New("nanoq: reactor closed")

// errNotSocket: EnrollSide got a net.Conn without a descriptor.
var errNotSocket = errors.New("nanoq: reactor: connection has no socket descriptor")

// errFDBudget: EnrollSide left out the Side to save descriptors (see
// sideFDShare).
var errFDBudget = errors.New("nanoq: reactor: descriptors scarce: no side writer")
