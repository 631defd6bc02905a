// Package bench is nanoQ's benchmark suite. Its Go benchmarks measure
// embedded publisher → subscriber traffic on loopback; bench/cmd/nqbench
// measures the same scenarios from the command line, and bench/peers holds
// the same measurement for other transports (ZeroMQ, NATS, plain Go
// sockets) in a separate module, all printing the JSON of bench/harness.
//
// # Go benchmarks
//
//	go test -run='^$' -bench . -count=5 ./bench/ | tee new.txt
//	benchstat old.txt new.txt
//	go test -run='^$' -bench 'Throughput/size=100/streams=1$' ./bench/ -cpuprofile cpu.out
//	go tool pprof -top cpu.out
//
// BenchmarkThroughput/size=S/streams=N publishes b.N messages of S bytes
// round-robin over N streams from one goroutine, as fast as Publish accepts
// them, then waits until every message was received or counted lost; that
// wait is timed too. ns/op and MB/s (SetBytes) are thus the offered load
// per message and per second from the first Publish to the end of
// delivery; msgs/s is what the subscriber received per second (first
// Publish to last arrival); lost-% is the share nanoQ dropped (oldest
// first) at its 4 MiB per-stream bound when the publisher outruns the
// subscriber.
//
// BenchmarkLatency publishes 10,000 msgs/s on one stream with
// FlushFrequency 0 and reports the p50-µs and p99-µs of publish-to-handler
// latency (HdrHistogram).
//
// go test ./bench/ without -bench runs a smoke test of every nqbench role
// (both, split pub/sub over a unix socket, receive delivery, idle mode) in
// a few seconds.
//
// # nqbench
//
//	go run ./bench/cmd/nqbench                          # 10 s, 1 stream, 100 B, progress each second
//	go run ./bench/cmd/nqbench -streams 1000 -size 64-1024 -rate 100000 -json
//	go run ./bench/cmd/nqbench -role sub -url tcp4://127.0.0.1:0 &   # prints READY <url>
//	go run ./bench/cmd/nqbench -role pub -url <that url> -duration 10s
//	go run ./bench/cmd/nqbench -streams 5000 -idle 10s   # idle CPU, RSS per stream
//	go run ./bench/cmd/nqbench -cpuprofile cpu.out -pprof 127.0.0.1:6060
//
// Flags common to every binary: -role, -url, -transport, -streams, -size
// (N or MIN-MAX), -duration, -rate, -json, -idle, -cpuprofile, -memprofile,
// -pprof. nanoQ's own: -flush, -pub-loops, -sub-loops, -delivery
// handler|receive, -maxbuffer (default 4 MiB per stream), -queuebytes.
// Traffic never leaves loopback: non-loopback addresses are refused.
//
// # Concurrency
//
// The package has no exported API; its benchmarks and tests run the
// publisher and subscriber of bench/internal/rig, whose goroutines all exit
// before each benchmark returns (checked by goleak in TestMain).
package bench
