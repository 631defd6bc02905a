package reactor

// Methods only the tests use.

// Handler returns the handler given to Enroll. Any goroutine.
func (c *Conn) Handler() Handler { return c.h }

// IsOpen reports whether the connection is open (between OnOpen and OnClose).
func (c *Conn) IsOpen() bool { return c.open }
