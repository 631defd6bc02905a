package sub

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/nanoq/nq/codec"
)

// feedConn returns a connection not attached to any socket, delivering to h.
func feedConn(max int, h Handler) *conn {
	opts, err := Options{MaxPayload: max}.withDefaults()
	if err != nil {
		panic(err)
	}
	return &conn{s: &Subscriber{opts: opts, handler: h}}
}

func TestFeedEverySplit(t *testing.T) {
	for _, size := range []int{0, 1, 127, 128, 300, 16384, 70000} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			payloads := [][]byte{pattern(1, size), pattern(2, 5), pattern(3, size)}
			var stream []byte
			for _, p := range payloads {
				stream = append(stream, frame(p)...)
			}
			step := 1
			if len(stream) > 5000 {
				step = 97 // every byte of the headers, a stride through payloads
			}
			for cut := 0; cut <= len(stream); cut += step {
				for _, cut2 := range []int{cut, min(cut+1, len(stream)), min(cut+3, len(stream))} {
					var got [][]byte
					c := feedConn(1<<20, func(p []byte, _ StreamDescriptor) { got = append(got, append([]byte(nil), p...)) })
					for _, part := range [][]byte{stream[:cut], stream[cut:cut2], stream[cut2:]} {
						if _, _, err := c.feed(part); err != nil {
							t.Fatalf("cut %d/%d: %v", cut, cut2, err)
						}
					}
					if len(got) != len(payloads) {
						t.Fatalf("cut %d/%d: %d messages, want %d", cut, cut2, len(got), len(payloads))
					}
					for i := range got {
						if !bytes.Equal(got[i], payloads[i]) {
							t.Fatalf("cut %d/%d: message %d differs", cut, cut2, i)
						}
					}
					if c.pending != nil {
						t.Fatalf("cut %d/%d: pending frame left", cut, cut2)
					}
				}
				if cut < 12 && step > 1 {
					cut -= step - 1 // every cut inside the first header
				}
			}
		})
	}
}

func TestFeedByteByByte(t *testing.T) {
	payloads := [][]byte{pattern(1, 200), {}, pattern(2, 3000), pattern(3, 1)}
	var stream []byte
	for _, p := range payloads {
		stream = append(stream, frame(p)...)
	}
	var got [][]byte
	c := feedConn(1<<20, func(p []byte, _ StreamDescriptor) { got = append(got, append([]byte(nil), p...)) })
	for i := range stream {
		if _, _, err := c.feed(stream[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(payloads) {
		t.Fatalf("%d messages, want %d", len(got), len(payloads))
	}
	for i := range got {
		if !bytes.Equal(got[i], payloads[i]) {
			t.Fatalf("message %d differs", i)
		}
	}
}

func TestFeedBadInput(t *testing.T) {
	tooBig := frame(make([]byte, 101))[:20]
	malformed := bytes.Repeat([]byte{0x80}, 11)
	overflow := append(bytes.Repeat([]byte{0xff}, 9), 0x02)
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"length above max", tooBig, codec.ErrTooBig},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, codec.ErrTooBig},
		{"varint over 10 bytes", malformed, codec.ErrMalformed},
		{"varint overflows 64 bits", overflow, codec.ErrMalformed},
		{"good frame then too big", append(frame([]byte("ok")), tooBig...), codec.ErrTooBig},
	}
	for _, tt := range tests {
		for cut := 0; cut <= len(tt.input); cut++ {
			t.Run(fmt.Sprintf("%s/cut=%d", tt.name, cut), func(t *testing.T) {
				c := feedConn(100, func([]byte, StreamDescriptor) {})
				_, _, err1 := c.feed(tt.input[:cut])
				err := err1
				if err == nil {
					_, _, err = c.feed(tt.input[cut:])
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
			})
		}
	}
}

// A claimed length is not allocated before its bytes arrive.
func TestFeedNoEagerAllocation(t *testing.T) {
	c := feedConn(10<<20, func([]byte, StreamDescriptor) {})
	claim := frame(make([]byte, 10<<20))[:100]
	if _, _, err := c.feed(claim); err != nil {
		t.Fatal(err)
	}
	if c.pending == nil || cap((*c.pending)) > 4096 {
		t.Fatalf("pending capacity %d after 100 bytes of a 10 MiB frame", cap((*c.pending)))
	}
	// Feeding the frame in 64 KiB pieces keeps capacity within 2x of what arrived.
	rest := frame(make([]byte, 10<<20))[100:]
	for len(rest) > 0 {
		n := min(len(rest), 64<<10)
		if _, _, err := c.feed(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
		if c.pending != nil && cap((*c.pending)) > 2*len((*c.pending))+64<<10 {
			t.Fatalf("capacity %d for %d bytes received", cap((*c.pending)), len((*c.pending)))
		}
	}
	if c.pending != nil {
		t.Fatal("frame not delivered")
	}
}
