package pub_test

import (
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"github.com/nanoq/nq/pub"
	"github.com/nanoq/nq/sub"
)

// A producer that would rather wait than lose messages publishes through a
// Stream handle and pauses while the stream holds more than half of its
// MaxBuffer: drop-oldest never has to discard anything.
func ExampleStream_Buffered() {
	var got atomic.Int64
	s, err := sub.New("tcp4://127.0.0.1:0", sub.Options{
		Handler: func([]byte, sub.StreamDescriptor) { got.Add(1) },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	const maxBuffer = 1 << 20
	p, err := pub.New("tcp4://"+s.Addr().String(), pub.Options{MaxBuffer: maxBuffer, MaxPayload: 64 << 10})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	h := p.Stream("sensor-1")
	payload := make([]byte, 100)
	const n = 100_000
	for range n {
		for h.Buffered() > maxBuffer/2 {
			time.Sleep(100 * time.Microsecond)
		}
		if err := h.Publish(payload); err != nil {
			log.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); got.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("delivered", got.Load(), "of", n)
	// Output: delivered 100000 of 100000
}
