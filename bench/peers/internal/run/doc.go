// Package run drives one peer transport through the nanoQ benchmark contract
// (benchspec.md): it parses the shared flags, runs the pub, sub or both
// roles, paces and stamps the payloads, applies the quiet-ending and idle
// rules, and prints the one-line JSON result. A peer binary only supplies a
// [Transport]: how to bind a subscriber and how to open publisher streams.
//
// # Concurrency
//
// [Main] owns the process. A [Transport]'s Listen may call its deliver
// function from any number of goroutines at once. Each [Stream] returned by
// Dial is used by one publishing goroutine at a time and closed once, after
// publishing stopped; different streams are used concurrently.
package run
