//go:build !linux

package pub

import (
	"net"
	"time"
)

// dialTCP reports ok false: net.Dialer dials (see the Linux version).
func dialTCP(string, string, time.Duration) (net.Conn, bool, error) { return nil, false, nil }
