package sub_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/nanoq/nq/sub"
)

// A subscriber on an ephemeral loopback port receives two messages from a
// plain TCP client writing uvarint-prefixed frames, as any nanoQ publisher
// (the original included) does.
func ExampleSubscriber_Receive() {
	s, err := sub.New("tcp4://127.0.0.1:0", sub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	c, err := net.Dial("tcp4", s.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var wire []byte
	for _, m := range []string{"hello", "nanoQ"} {
		wire = binary.AppendUvarint(wire, uint64(len(m)))
		wire = append(wire, m...)
	}
	c.Write(wire)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf := make([]byte, 64)
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
