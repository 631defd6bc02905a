package harness

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histogram bounds (benchspec.md): 1 µs to 60 s, 3 significant digits.
const (
	histMinUS   = 1
	histMaxUS   = 60_000_000
	histSigFigs = 3
)

// recorderShards is the number of independent histograms; RecordStream
// spreads streams over them so event loops rarely share a lock.
const recorderShards = 8

// Stamp writes time.Now().UnixNano() little-endian into payload[:8]. A
// payload shorter than MinSize is left alone.
func Stamp(payload []byte) {
	if len(payload) >= MinSize {
		binary.LittleEndian.PutUint64(payload, uint64(time.Now().UnixNano()))
	}
}

// warmStamp marks a warm-up message (StampWarm): a stamp no clock gives.
const warmStamp = 1

// StampWarm marks payload as a warm-up message, one that opens a stream
// before the measured traffic: the Recorder counts it received but keeps it
// out of the receive window, the rates and the latencies.
func StampWarm(payload []byte) {
	if len(payload) >= MinSize {
		binary.LittleEndian.PutUint64(payload, warmStamp)
	}
}

// Recorder counts received messages and records their latency. Safe for
// concurrent use; Record and RecordStream do not allocate.
type Recorder struct {
	shards [recorderShards]shard
}

// shard is one histogram and its counters. The counters are atomics so
// Snapshot reads them without the lock; mu guards h only.
type shard struct {
	mu    sync.Mutex
	h     *hdrhistogram.Histogram // guarded by mu
	msgs  atomic.Int64
	bytes atomic.Int64
	warm  atomic.Int64 // warm-up messages among msgs (StampWarm); not in bytes
	first atomic.Int64 // UnixNano of the first arrival, 0 before
	last  atomic.Int64 // UnixNano of the latest arrival, 0 before
	_     [64]byte     // keep neighbouring shards off this cache line
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	r := &Recorder{}
	for i := range r.shards {
		r.shards[i].h = hdrhistogram.New(histMinUS, histMaxUS, histSigFigs)
	}
	return r
}

// Record counts one message of len(payload) bytes and records the latency
// from its stamp to now. Latencies are clamped into 1 µs .. 60 s; a payload
// shorter than MinSize is counted without a latency.
func (r *Recorder) Record(payload []byte) { r.record(&r.shards[0], payload) }

// RecordStream is Record with a stream identifier (such as a subscriber's
// stream descriptor) that picks the shard, so concurrent delivery goroutines
// serving different streams rarely contend.
func (r *Recorder) RecordStream(payload []byte, stream uint32) {
	r.record(&r.shards[stream%recorderShards], payload)
}

func (r *Recorder) record(s *shard, payload []byte) {
	s.msgs.Add(1)
	var stamp int64
	if len(payload) >= MinSize {
		stamp = int64(binary.LittleEndian.Uint64(payload))
	}
	if stamp == warmStamp {
		s.warm.Add(1)
		return
	}
	s.bytes.Add(int64(len(payload)))
	// The clock is read for stamped messages (a sample at high rates) and
	// for a shard's first message, so the receive window's end is the last
	// stamped arrival: within a few messages of the true end.
	if stamp == 0 && s.first.Load() != 0 {
		return
	}
	now := time.Now().UnixNano()
	if s.first.Load() == 0 {
		s.first.CompareAndSwap(0, now)
	}
	s.last.Store(now)
	if stamp == 0 {
		return
	}
	us := (now - stamp) / 1000
	us = min(max(us, histMinUS), histMaxUS)
	s.mu.Lock()
	_ = s.h.RecordValue(us) // in range by construction: no error
	s.mu.Unlock()
}

// Reset forgets everything recorded, e.g. the warm-up messages that
// opened the streams. Call it while no Record runs, or accept that a message
// recorded concurrently may be half forgotten.
func (r *Recorder) Reset() {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		s.h.Reset()
		s.msgs.Store(0)
		s.warm.Store(0)
		s.bytes.Store(0)
		s.first.Store(0)
		s.last.Store(0)
		s.mu.Unlock()
	}
}

// Snapshot returns the messages and bytes received so far and the receive
// window (first to latest arrival). msgs includes warm-up messages (Warm);
// bytes and the window leave them out.
func (r *Recorder) Snapshot() (msgs, bytes int64, window time.Duration) {
	var first, last int64
	for i := range r.shards {
		s := &r.shards[i]
		msgs += s.msgs.Load()
		bytes += s.bytes.Load()
		if f := s.first.Load(); f != 0 && (first == 0 || f < first) {
			first = f
		}
		last = max(last, s.last.Load())
	}
	if first != 0 {
		window = time.Duration(last - first)
	}
	return msgs, bytes, window
}

// Warm returns the warm-up messages received (StampWarm), which Snapshot's
// msgs include.
func (r *Recorder) Warm() (n int64) {
	for i := range r.shards {
		n += r.shards[i].warm.Load()
	}
	return n
}

// LastArrival returns the time of the latest message, or the zero Time
// before the first one.
func (r *Recorder) LastArrival() time.Time {
	var last int64
	for i := range r.shards {
		last = max(last, r.shards[i].last.Load())
	}
	if last == 0 {
		return time.Time{}
	}
	return time.Unix(0, last)
}

// Histogram returns a merged copy of the latency histogram (microseconds).
func (r *Recorder) Histogram() *hdrhistogram.Histogram {
	h := hdrhistogram.New(histMinUS, histMaxUS, histSigFigs)
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		h.Merge(s.h)
		s.mu.Unlock()
	}
	return h
}

// WriteHist writes the latency histogram to path in HdrHistogram's
// percentile-distribution format (the text HistogramLogProcessor and the
// online plotter read), values in milliseconds; "" writes nothing.
func (r *Recorder) WriteHist(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := r.Histogram().PercentilesPrint(f, 5, 1000); err != nil {
		f.Close()
		return fmt.Errorf("histogram %s: %w", path, err)
	}
	return f.Close()
}

// Fill sets res's received, msgs_per_s, mb_per_s, window_s and latency_us
// from what was recorded so far.
func (r *Recorder) Fill(res *Result) {
	msgs, bytes, window := r.Snapshot()
	res.Received, res.WarmUp = msgs, r.Warm()
	res.WindowS = window.Seconds()
	res.MsgsPerS, res.MBPerS = 0, 0
	if window > 0 {
		res.MsgsPerS = float64(msgs-res.WarmUp) / window.Seconds()
		res.MBPerS = float64(bytes) / window.Seconds() / 1e6
	}
	h := r.Histogram()
	if h.TotalCount() == 0 {
		res.LatencyUS = Latency{}
		return
	}
	res.LatencyUS = Latency{
		P50:   float64(h.ValueAtQuantile(50)),
		P90:   float64(h.ValueAtQuantile(90)),
		P99:   float64(h.ValueAtQuantile(99)),
		P999:  float64(h.ValueAtQuantile(99.9)),
		P9999: float64(h.ValueAtQuantile(99.99)),
		Max:   float64(h.Max()),
	}
}
