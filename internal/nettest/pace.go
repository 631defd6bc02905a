package nettest

import (
	"encoding/binary"
	"sync/atomic"
	"time"
)

// PublishRound publishes one message on each key 0..keys-1: buf with the
// key and seq written over its first 8 bytes (little-endian uint32s). It
// returns how many of them publish took (returned nil).
func PublishRound(publish func(p []byte, key uint32) error, buf []byte, keys int, seq uint32) int {
	n := 0
	for k := range uint32(keys) {
		binary.LittleEndian.PutUint32(buf, k)
		binary.LittleEndian.PutUint32(buf[4:], seq)
		if publish(buf, k) == nil {
			n++
		}
	}
	return n
}

// A Pacer publishes rounds of PublishRound, seq 0, 1, 2…, in a goroutine
// until Stop.
type Pacer struct {
	published  atomic.Int64
	stop, done chan struct{}
}

// Pace starts a Pacer publishing size-byte messages on keys streams, with
// pause between rounds.
func Pace(publish func(p []byte, key uint32) error, keys, size int, pause time.Duration) *Pacer {
	p := &Pacer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, size)
		for seq := uint32(0); ; seq++ {
			p.published.Add(int64(PublishRound(publish, buf, keys, seq)))
			select {
			case <-p.stop:
				return
			case <-time.After(pause):
			}
		}
	}()
	return p
}

// Published returns how many messages publish has taken, counted a round
// at a time.
func (p *Pacer) Published() int64 { return p.published.Load() }

// Stop ends the publishing and waits until the last round is over.
func (p *Pacer) Stop() {
	close(p.stop)
	<-p.done
}
