// Package rig wires a nanoQ Publisher and Subscriber to the benchmark
// harness: it runs the three roles of benchspec.md (both, pub, sub), the
// idle mode, and the progress lines, so that bench/cmd/nqbench and the Go
// benchmarks of package bench measure the same thing.
//
// # Concurrency
//
// The Run functions block until their run has ended and every goroutine
// they started has exited; run them on one goroutine each (a split run in
// one process runs RunSub and RunPub on two goroutines). Sub and Pub are
// safe for concurrent use by the goroutines this package starts; their
// Close methods are called once, by the goroutine that made them.
//
// Publishing goroutines: min(streams, 2×GOMAXPROCS); goroutine g owns the
// stream keys k with k mod G = g and publishes to them round-robin through
// pub.Stream handles. With -rate R each goroutine paces R × (its keys / all
// keys), so every stream gets the same rate. Unpaced (R = 0), a goroutine
// skips a stream holding more than 7/8 of its MaxBuffer
// (pub.Stream.Buffered) and sleeps 50 µs when all of its streams do, unless
// Options.Overrun. The eighth left free is headroom: Buffered is a
// snapshot, and the streams' shares of TotalBuffer add up to the
// Publisher's whole budget. The mark sets how much one write can carry, as
// a stream writes what its buffer holds: at half of 64 KiB, 1,000 streams
// wrote 28 KB at a time; at 7/8, 48-52 KB, 1.3 times as fast, with no
// loss either way.
package rig
