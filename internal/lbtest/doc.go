// Package lbtest holds the tests that run nanoQ behind a real load
// balancer: HAProxy in TCP mode, started by the test, in front of
// subscriber processes (the test binary re-executed), with the test process
// as the publisher. It has no code of its own.
package lbtest
