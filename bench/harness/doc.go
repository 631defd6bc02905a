// Package harness is the machinery shared by every benchmark binary of the
// nanoQ suite (nqbench and the peers: zmqbench, natsbench, gobench): the
// common flags and their validation, the one-line JSON result every binary
// prints, payload stamping, latency recording into an
// HdrHistogram, pacing, process resource figures (CPU, RSS, descriptors),
// profiling hooks and the "READY" / quiet-period conventions of split runs.
//
// # Concurrency
//
// [Recorder] and the package-level functions are safe for concurrent use
// (StartProfiling excepted: a program calls it once, at start);
// Recorder.Record is meant to run on a transport's delivery goroutine (for
// nanoQ, the event loop) and neither blocks for long nor allocates. A
// [Pacer] belongs to one goroutine. [Config] and [Result] are plain values:
// fill them on one goroutine, then share them read-only.
//
// # Message format
//
// The first 8 bytes of every payload hold the publisher's
// time.Now().UnixNano(), little-endian ([Stamp]); payloads are never shorter
// than [MinSize]. The subscriber's latency is its own clock minus that stamp,
// so both sides must run on the same machine.
package harness
