package nq_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nanoq/nq"
	"github.com/nanoq/nq/sub"
)

// A subscriber on an ephemeral loopback port, a publisher sending to it, and
// Receive taking the messages.
func Example() {
	s := nq.NewSub("tcp4://127.0.0.1:0", nq.SubOpts{}, nil)
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p := nq.NewPub("tcp4://"+s.Addr().String(), nq.PubOpts{NoDelay: true}, nil)
	defer p.Close()
	for _, m := range []string{"hello", "nanoQ"} {
		if err := p.Publish(context.Background(), []byte(m), "greetings"); err != nil {
			log.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf := make([]byte, 4096)
	for range 2 {
		msg, _, err := s.Receive(ctx, buf)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(msg))
	}
	// Output:
	// hello
	// nanoQ
}

// A Handler receives each message on the event loop without a copy; the
// payload is valid only during the call.
func ExampleSubOpts_handler() {
	got := make(chan string, 1)
	s := nq.NewSub("tcp4://127.0.0.1:0", nq.SubOpts{
		Handler: func(payload []byte, _ sub.StreamDescriptor) { got <- string(payload) },
	}, nil)
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p := nq.NewPub("tcp4://"+s.Addr().String(), nq.PubOpts{}, nil)
	defer p.Close()
	p.Publish(context.Background(), []byte("zero copy"), 1)
	fmt.Println(<-got)
	// Output: zero copy
}
