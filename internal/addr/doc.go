// Package addr parses nanoQ URLs: tcp://host:port, tcp4://host:port,
// tcp6://[host]:port and unix:///path/to.sock (or unix://relative.sock).
//
// Parse and the Addr methods are pure functions, safe for concurrent use.
package addr
