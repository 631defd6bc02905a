package pub

import (
	"errors"
	"math"
	"testing"

	"github.com/nanoq/nq/internal/nettest"
	"github.com/nanoq/nq/sub"
)

// Odd input from a caller is an error, never a panic: keys that cannot be
// map keys, a nil ctx, options out of range.
func TestPublishOddInput(t *testing.T) {
	col := newReceived()
	s, err := sub.New(nettest.TCPURL, sub.Options{Handler: col.handle})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := newPub(t, "tcp4://"+s.Addr().String(), Options{})

	type holder struct{ v any }
	for _, c := range []struct {
		name string
		key  any
	}{
		{"slice", []byte("key")},
		{"map", map[string]int{}},
		{"func", func() {}},
		{"struct holding a slice", holder{[]int{1}}},
		{"array of interfaces holding a map", [1]any{map[int]int{}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := p.Publish(bg, []byte("x"), c.key); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Publish = %v, want ErrInvalidKey", err)
			}
			if err := p.Stream(c.key).Publish([]byte("x")); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Stream.Publish = %v, want ErrInvalidKey", err)
			}
		})
	}
	// Comparable keys of other types work, a nil ctx too.
	for i, key := range []any{holder{1}, [2]string{"a", "b"}, 2.5, nil} {
		if err := p.Publish(nil, []byte{byte(i)}, key); err != nil { // a nil ctx on purpose
			t.Fatalf("key %v: %v", key, err)
		}
	}
	col.wait(t, 4)

	for _, o := range []Options{
		{MaxBuffer: 2 << 40},
		{MaxPayload: math.MaxInt / 5},
		{MaxPayload: MaxPayloadLimit + 1},
		{MaxBuffer: MaxBufferLimit + 1},
	} {
		if _, err := New("tcp4://127.0.0.1:1", o); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("New(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	// The largest options accepted still publish without a panic.
	big, err := New("tcp4://127.0.0.1:1", Options{MaxPayload: MaxPayloadLimit, MaxBuffer: MaxBufferLimit})
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Publish(bg, []byte("x"), 1); err != nil {
		t.Fatal(err)
	}
	big.Close()
}
