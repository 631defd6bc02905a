package codec_test

import (
	"fmt"

	"github.com/nanoq/nq/codec"
)

func ExampleParse() {
	var hdr [codec.MaxHeaderLen]byte
	var buf []byte
	for _, m := range []string{"hello", "world"} {
		buf = append(buf, hdr[:codec.PutHeader(hdr[:], len(m))]...)
		buf = append(buf, m...)
	}
	buf = buf[:len(buf)-2] // the second frame has not fully arrived yet

	for {
		payload, n, need, err := codec.Parse(buf, 1<<20)
		if err != nil {
			fmt.Println("bad stream:", err)
			return
		}
		if n == 0 {
			fmt.Println("need", need, "more bytes")
			return
		}
		fmt.Printf("frame %q\n", payload)
		buf = buf[n:]
	}
	// Output:
	// frame "hello"
	// need 2 more bytes
}

func ExampleParse2() {
	// A ring of 8 bytes whose readable data wraps: "\x05he" at the end,
	// "llo" at the start.
	ring := []byte("llo__\x05he")
	a, b := ring[5:], ring[:3]

	f, n, _, _ := codec.Parse2(a, b, 1<<20)
	buf := append(append([]byte(nil), f.Head...), f.Tail...)
	fmt.Printf("%q in pieces %q + %q, %d bytes consumed\n", buf, f.Head, f.Tail, n)
	// Output:
	// "hello" in pieces "he" + "llo", 6 bytes consumed
}
