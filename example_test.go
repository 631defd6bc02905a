package nq_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nanoq/nq"
)

// A subscriber on an ephemeral loopback port, a publisher sending to it, and
// Receive taking the messages.
func Example() {
	s, err := nq.NewSubscriber("tcp4://127.0.0.1:0", nq.SubOpts{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p, err := nq.NewPublisher(s.URL(), nq.PubOpts{NoDelay: true})
	if err != nil {
		log.Fatal(err)
	}
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
	s, err := nq.NewSubscriber("tcp4://127.0.0.1:0", nq.SubOpts{
		Handler: func(payload []byte, _ nq.StreamDescriptor) { got <- string(payload) },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p, err := nq.NewPublisher(s.URL(), nq.PubOpts{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	p.Publish(context.Background(), []byte("zero copy"), 1)
	fmt.Println(<-got)
	// Output: zero copy
}

// A Stream handle publishes on one key without looking it up each time;
// Buffered tells a producer that must not lose messages when to wait.
func ExampleStream() {
	got := make(chan string, 3)
	s, err := nq.NewSubscriber("tcp4://127.0.0.1:0", nq.SubOpts{
		Handler: func(payload []byte, _ nq.StreamDescriptor) { got <- string(payload) },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p, err := nq.NewPublisher(s.URL(), nq.PubOpts{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	h := p.Stream("sensor-7")
	for _, m := range []string{"one", "two", "three"} {
		for h.Buffered() > 1<<20 {
			time.Sleep(time.Millisecond)
		}
		h.Publish([]byte(m))
	}
	for range 3 {
		fmt.Println(<-got)
	}
	// Output:
	// one
	// two
	// three
}

// Drain on SIGTERM hands every connected publisher over to another
// replica or a successor, losing nothing (see the README's "Behind a load
// balancer").
func ExampleSubscriber_Drain() {
	s, err := nq.NewSubscriber("tcp4://127.0.0.1:0", nq.SubOpts{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	// In a service: signal.NotifyContext(ctx, syscall.SIGTERM), then wait.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println(s.Drain(ctx))
	// Output: <nil>
}

// A user's own mock of the seed's interfaces still satisfies them.
func ExamplePub() {
	var p nq.Pub = mockPub{}
	fmt.Println(p.Publish(context.Background(), []byte("x"), 1))
	// Output: <nil>
}

type mockPub struct{}

func (mockPub) Publish(context.Context, []byte, any) error { return nil }
