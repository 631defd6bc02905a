package backoff

// Methods only the tests use.

// Attempt returns how many times Next was called since the last Reset.
func (b *Backoff) Attempt() int { return b.attempt }
