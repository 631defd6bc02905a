package ring

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Stress payload: producer id (1 byte) ‖ sequence number (8) ‖ CRC-32 of
// the rest (4) ‖ filler of a size that varies with the sequence number.
const queueHdr = 13

func queueStressFrame(dst []byte, producer byte, seq uint64) []byte {
	n := queueHdr + int(seq*7919%400)
	p := dst[:n]
	p[0] = producer
	binary.LittleEndian.PutUint64(p[1:9], seq)
	for i := queueHdr; i < n; i++ {
		p[i] = byte(seq) ^ byte(i*13) ^ producer
	}
	binary.LittleEndian.PutUint32(p[9:13], crc32.ChecksumIEEE(p[queueHdr:]))
	return p
}

// queueCheckFrame verifies a delivered frame and returns its producer and
// sequence number.
func queueCheckFrame(p []byte, stream uint32) (int, uint64, error) {
	if len(p) < queueHdr {
		return 0, 0, fmt.Errorf("frame of %d bytes", len(p))
	}
	prod, seq := int(p[0]), binary.LittleEndian.Uint64(p[1:9])
	if uint32(prod) != stream {
		return 0, 0, fmt.Errorf("producer %d on stream %d", prod, stream)
	}
	if len(p) != queueHdr+int(seq*7919%400) {
		return 0, 0, fmt.Errorf("producer %d seq %d: %d bytes", prod, seq, len(p))
	}
	if binary.LittleEndian.Uint32(p[9:13]) != crc32.ChecksumIEEE(p[queueHdr:]) {
		return 0, 0, fmt.Errorf("producer %d seq %d: checksum mismatch", prod, seq)
	}
	return prod, seq, nil
}

// queueTally counts frames and payload bytes.
type queueTally struct{ frames, bytes atomic.Int64 }

func (c *queueTally) add(frames, bytes int) {
	c.frames.Add(int64(frames))
	c.bytes.Add(int64(bytes))
}

func TestQueueStress(t *testing.T) {
	const producers = 4
	perProducer := 10000
	if testing.Short() {
		perProducer = 2000
	}
	tests := []struct {
		name      string
		consumers int
		closeAt   int // Close once producer 0 has put this many; 0 = after all
	}{
		{"1 consumer strict per-producer order", 1, 0},
		{"2 consumers", 2, 0},
		{"2 consumers, Close while producing", 2, perProducer / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(2048) // 16 slots: drops happen
			var produced, delivered, dropped queueTally
			var closeOnce sync.Once
			closeQ := func() {
				closeOnce.Do(func() {
					d := q.Close()
					dropped.add(d.Frames, d.Bytes)
				})
			}

			// Each producer puts a first burst before any consumer runs,
			// so drops are certain, then the rest concurrently.
			const burst = 100
			start := make(chan struct{})
			var pwg, burstWG sync.WaitGroup
			burstWG.Add(producers)
			for p := range producers {
				pwg.Go(func() {
					buf := make([]byte, queueHdr+400)
					for seq := range uint64(perProducer) {
						if seq == burst {
							burstWG.Done()
							<-start
						}
						if p == 0 && tt.closeAt > 0 && seq == uint64(tt.closeAt) {
							closeQ()
						}
						f := queueStressFrame(buf, byte(p), seq)
						produced.add(1, len(f))
						d := q.Put(uint32(p), f)
						dropped.add(d.Frames, d.Bytes)
						if seq%8 == 0 {
							runtime.Gosched() // let consumers keep up now and then
						}
						if d.Self && d.Frames == 0 {
							t.Errorf("Self without a frame: %+v", d)
						}
					}
				})
			}
			burstWG.Wait()
			if q.Len() > 2048 {
				t.Errorf("Len %d above the bound", q.Len())
			}

			errs := make(chan error, tt.consumers)
			var cwg sync.WaitGroup
			for range tt.consumers {
				cwg.Go(func() {
					last := [producers]int64{-1, -1, -1, -1}
					buf := make([]byte, queueHdr+400)
					for {
						n, st, err := q.Get(context.Background(), buf)
						if errors.Is(err, ErrClosed) {
							errs <- nil
							return
						}
						if err != nil {
							errs <- err
							return
						}
						prod, seq, err := queueCheckFrame(buf[:n], st)
						if err != nil {
							errs <- err
							return
						}
						if int64(seq) <= last[prod] {
							errs <- fmt.Errorf("producer %d: seq %d after %d", prod, seq, last[prod])
							return
						}
						last[prod] = int64(seq)
						delivered.add(1, n)
					}
				})
			}
			// Sample the byte bound while everything runs.
			sampled := make(chan int)
			go func() {
				worst := 0
				for !q.closed.Load() {
					worst = max(worst, q.Len())
					if q.Len() < 0 {
						worst = -1
						break
					}
					runtime.Gosched()
				}
				sampled <- worst
			}()
			close(start)
			pwg.Wait()
			closeQ()
			cwg.Wait()
			if worst := <-sampled; worst < 0 || worst > 2048 {
				t.Fatalf("Len reached %d, bound is 2048", worst)
			}
			for range tt.consumers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}

			pf, pb := produced.frames.Load(), produced.bytes.Load()
			df, db := delivered.frames.Load(), delivered.bytes.Load()
			xf, xb := dropped.frames.Load(), dropped.bytes.Load()
			t.Logf("produced %d, delivered %d, dropped %d", pf, df, xf)
			if df+xf != pf || db+xb != pb {
				t.Fatalf("delivered %d frames/%d B + dropped %d/%d B != produced %d/%d B",
					df, db, xf, xb, pf, pb)
			}
			if xf == 0 || df == 0 {
				t.Fatalf("want both drops and deliveries: delivered %d, dropped %d", df, xf)
			}
			if q.Len() != 0 {
				t.Fatalf("Len %d after Close", q.Len())
			}
		})
	}
}
