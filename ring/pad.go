package ring

// cacheLine is the coherence granule we pad to: 64 bytes on amd64 and most
// arm64 parts; 128 (for adjacent-line prefetch) would double every idle ring.
const cacheLine = 64

// cacheLinePad keeps fields written by different goroutines on different
// cache lines, so one side's stores do not invalidate the other's loads
// (false sharing).
type cacheLinePad [cacheLine]byte

// noCopy marks a type that must not be copied after first use; go vet's
// copylocks check reports copies of any struct that embeds it.
type noCopy struct{}

// Lock and Unlock are no-ops used only by go vet's copylocks check.
func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
