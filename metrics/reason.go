package metrics

// Reason says why a message was lost; its String is the value of the
// "reason" label on the nanoq_*_lost_* counters.
type Reason uint8

// Loss reasons. The package doc says when each one is counted.
const (
	Overflow     Reason = iota // publisher buffer full: oldest frames dropped
	Disconnected               // buffered or in-flight data lost with a connection, or unsent at Close
	TooBig                     // payload above MaxPayload (either side)
	ShortBuffer                // Receive buffer smaller than the message
	QueueFull                  // subscriber receive queue full
	Malformed                  // garbage length prefix; the connection is closed
	Truncated                  // a frame cut short by a disconnect
	NumReasons                 // number of reasons; not a reason
)

// reasonNames holds the label values, indexed by Reason.
var reasonNames = [NumReasons]string{
	Overflow:     "overflow",
	Disconnected: "disconnected",
	TooBig:       "too_big",
	ShortBuffer:  "short_buffer",
	QueueFull:    "queue_full",
	Malformed:    "malformed",
	Truncated:    "truncated",
}

// String returns the label value: "overflow", "disconnected", "too_big",
// "short_buffer", "queue_full", "malformed", "truncated"; "unknown" for a
// value that is not a Reason (including NumReasons).
func (r Reason) String() string {
	if r >= NumReasons {
		return "unknown"
	}
	return reasonNames[r]
}

// Reasons each side usually counts. Their series are created, at zero, when
// a handle is made, so dashboards and alerts see them before the first loss;
// the series of other reasons appear on their first loss.
var (
	pubReasons = []Reason{Overflow, Disconnected, TooBig}
	subReasons = []Reason{TooBig, ShortBuffer, QueueFull, Malformed, Truncated}
)
