package reactor

import "errors"

// ErrClosed is returned by Enroll after Close, and by writes to a connection
// that has closed.
var ErrClosed = errors.New("nanoq: reactor closed")
