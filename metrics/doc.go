// Package metrics holds nanoQ's Prometheus collectors: their names, labels
// and registration, and cheap handles for the hot paths.
//
// # Concurrency
//
// Every exported function and method is safe for concurrent use. A nil
// *Metrics and a nil *Addr are valid and record nothing, so callers never
// test for "metrics off".
//
// # Use
//
// [New] registers the collectors on a caller's prometheus.Registerer
// (registering twice on one registry reuses what is there); [Default] does
// so once on prometheus.DefaultRegisterer. A publisher takes one handle
// with [Metrics.Pub] (label addr: the destination address), a subscriber
// one with [Metrics.Sub] (label addr: its own listen address) for all its
// connections, and its per-peer handles from [Metrics.Peers] (labels addr
// and peer: the publisher's host, "local" on unix sockets), whose series
// exist only while that host has a connection open. An [Addr] resolves
// its label children when it is made, so its methods neither allocate nor
// look up labels; callers update it once per batch (per flush, per traffic
// event), not per message.
//
// # Metrics
//
// Namespace "nanoq"; subsystem "pub" for publishers, "sub" for subscribers.
// Subscriber byte counts are payload bytes; publisher byte counts are bytes
// on the wire (each payload plus its 1–10 byte uvarint length prefix), since
// that is what the publisher's buffers hold and its bound applies to.
//
//	name                                   type       labels        meaning
//	nanoq_pub_messages_total               counter    addr          messages written to a socket towards addr
//	nanoq_pub_bytes_total                  counter    addr          wire bytes of those messages
//	nanoq_pub_lost_messages_total          counter    addr, reason  messages published towards addr that will never be sent
//	nanoq_pub_lost_bytes_total             counter    addr, reason  wire bytes of those messages
//	nanoq_pub_reconnects_total             counter    addr          connections opened again after a lost connection or failed dials
//	nanoq_pub_dial_failures_total          counter    addr          failed dials (each retried with backoff)
//	nanoq_pub_unacked_bytes_total          counter    addr          upper bound: bytes the kernel took, unacknowledged at a close that was not a graceful drain (Linux)
//	nanoq_pub_streams                      gauge      addr          publisher streams (one per stream key) open now
//	nanoq_pub_target_streams               gauge      addr, target  streams connected now to each address addr resolved to
//	nanoq_pub_handovers_total              counter    addr          connections the subscriber closed gracefully (draining), redialed at once
//	nanoq_pub_direct_writes_total          counter    addr, result  writes Publish made itself on an idle stream: all, part or none taken by the socket
//	nanoq_pub_stream_duration_seconds      histogram  addr          lifetime of closed publisher streams
//	nanoq_pub_buffered_bytes               gauge      addr          bytes published and not yet written to a socket
//	nanoq_sub_messages_total               counter    addr          messages received and delivered to the handler or queued
//	nanoq_sub_bytes_total                  counter    addr          payload bytes of those messages
//	nanoq_sub_lost_messages_total          counter    addr, reason  messages received that never reached the user
//	nanoq_sub_lost_bytes_total             counter    addr, reason  payload bytes of those that arrived (part of a cut frame)
//	nanoq_sub_streams                      gauge      addr          connections from publishers open now
//	nanoq_sub_stream_duration_seconds      histogram  addr          lifetime of closed connections
//	nanoq_sub_buffered_bytes               gauge      addr          payload bytes waiting in the receive queue for Receive
//	nanoq_sub_accept_errors_total          counter    addr          failed accepts on the listener at addr
//	nanoq_sub_drains_begun_total           counter    addr          connections the subscriber began to drain (Drain, MaxConnectionAge): it closed its write side
//	nanoq_sub_drained_total                counter    addr          connections drained to their end (Drain, MaxConnectionAge): FIN sent, the publisher closed its side
//	nanoq_sub_rotated_total                counter    addr          connections that began to drain for reaching MaxConnectionAge
//	nanoq_sub_peer_messages_total          counter    addr, peer    messages from publisher host peer (while it is connected)
//	nanoq_sub_peer_bytes_total             counter    addr, peer    payload bytes of those messages
//	nanoq_sub_peer_streams                 gauge      addr, peer    connections from peer open now (deleted at 0)
//
// The duration histograms have buckets from 1 s to a day: 1, 2, 5, 10, 15,
// 30, 45 seconds; 1, 2, 5, 10, 15, 30, 45 minutes; 1, 2, 5, 12, 18, 24 hours.
//
// Every count is exact except nanoq_pub_unacked_bytes_total, which is an
// upper bound. A publisher counts a message sent once the kernel took its
// last byte; when a connection then closes other than by a graceful drain
// (the peer reset or vanished, a write error, WriteTimeout's reset, a
// Shutdown cut short), the bytes the kernel took that the peer never
// acknowledged (TCP_INFO's bytes_acked, which survives a reset; SIOCOUTQ on
// unix sockets; Linux only, other OSes report nothing) go there: messages
// counted sent may be among them. What the peer's kernel acknowledged but
// its process never read is invisible to the publisher; a subscriber that
// closes reads what its kernel still holds and counts it lost
// (disconnected), but one that is killed cannot.
//
// # Loss reasons
//
// Every message that does not reach the subscriber's user is counted once,
// under exactly one reason (the "reason" label, [Reason.String]):
//
//	reason        side      counted when
//	overflow      pub       the stream's buffer is full: the oldest whole frames are dropped for the new one
//	disconnected  pub, sub  data still unsent (pub) or still queued (sub) when a connection or a Pub/Sub closes
//	too_big       pub, sub  pub: Publish rejects a payload over MaxPayload; sub: a length prefix over
//	                        MaxPayload, and the connection is closed
//	short_buffer  sub       the buffer given to Receive is smaller than the message
//	queue_full    sub       the receive queue is full: the oldest message is dropped for the new one
//	malformed     sub       a length prefix is not a valid uvarint; the connection is closed
//	truncated     sub       a connection closed in the middle of a frame
//
// A handle creates the series of its side's usual reasons (pub: overflow,
// disconnected, too_big; sub: too_big, short_buffer, queue_full, malformed,
// truncated) at zero, so rate() and alerts work before the first loss; the
// series of any other reason appears on its first loss.
package metrics
