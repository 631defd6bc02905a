package backoff

import (
	"math"
	"testing"
	"time"
)

// draws is how many delays each bounds check samples.
const draws = 2000

func TestNextBounds(t *testing.T) {
	tests := []struct {
		name     string
		b        Backoff
		ceilings []time.Duration // d for attempts 0, 1, 2, …
	}{
		{"defaults", Backoff{}, []time.Duration{
			50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
			400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond,
			3200 * time.Millisecond, 5 * time.Second, 5 * time.Second,
		}},
		{"custom", Backoff{Min: time.Second, Max: 3 * time.Second}, []time.Duration{
			time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second,
		}},
		{"negative means default", Backoff{Min: -1, Max: -1}, []time.Duration{
			50 * time.Millisecond, 100 * time.Millisecond,
		}},
		{"min above max", Backoff{Min: time.Minute, Max: time.Second}, []time.Duration{
			time.Second, time.Second,
		}},
		{"one nanosecond", Backoff{Min: 1, Max: 4}, []time.Duration{1, 2, 4, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for attempt, d := range tt.ceilings {
				lo, hi := d, time.Duration(0)
				for range draws {
					b := tt.b
					b.attempt = attempt
					got := b.Next()
					if got < d/2 || got > d {
						t.Fatalf("attempt %d: Next() = %v, want in [%v, %v]", attempt, got, d/2, d)
					}
					if b.Attempt() != attempt+1 {
						t.Fatalf("Attempt() = %d after Next at attempt %d", b.Attempt(), attempt)
					}
					lo, hi = min(lo, got), max(hi, got)
				}
				// Jitter really spreads over the range (both ends of it).
				if d >= 1000 && (lo > d/2+d/10 || hi < d-d/10) {
					t.Errorf("attempt %d: %d draws spanned only [%v, %v] of [%v, %v]", attempt, draws, lo, hi, d/2, d)
				}
			}
		})
	}
}

func TestGrowthAndReset(t *testing.T) {
	b := Backoff{Min: 10 * time.Millisecond, Max: time.Second}
	var prevCeil time.Duration
	for i := range 10 {
		if b.Attempt() != i {
			t.Fatalf("Attempt() = %d, want %d", b.Attempt(), i)
		}
		ceil := b.ceiling()
		if ceil < prevCeil {
			t.Fatalf("attempt %d: ceiling %v shrank from %v", i, ceil, prevCeil)
		}
		prevCeil = ceil
		b.Next()
	}
	if prevCeil != time.Second {
		t.Fatalf("ceiling after 10 attempts = %v, want the cap", prevCeil)
	}
	b.Reset()
	if b.Attempt() != 0 {
		t.Fatalf("Attempt() after Reset = %d", b.Attempt())
	}
	if d := b.Next(); d < 5*time.Millisecond || d > 10*time.Millisecond {
		t.Fatalf("Next() after Reset = %v, want in [5ms, 10ms]", d)
	}
}

func TestNoOverflow(t *testing.T) {
	tests := []struct {
		name    string
		b       Backoff
		attempt int
	}{
		{"100 attempts", Backoff{Min: time.Hour, Max: math.MaxInt64}, 0},
		{"huge min and max", Backoff{Min: math.MaxInt64, Max: math.MaxInt64}, 0},
		{"saturated counter", Backoff{}, math.MaxInt - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			b.attempt = tt.attempt
			maxD := b.Max
			if maxD <= 0 {
				maxD = defaultMax
			}
			for i := range 100 {
				d := b.Next()
				if d <= 0 || d > maxD {
					t.Fatalf("call %d (attempt %d): Next() = %v", i, b.Attempt(), d)
				}
				if b.Attempt() < 0 {
					t.Fatalf("Attempt() overflowed to %d", b.Attempt())
				}
			}
			if tt.attempt == 0 && b.Attempt() != 100 {
				t.Fatalf("Attempt() = %d, want 100", b.Attempt())
			}
			if tt.attempt != 0 && b.Attempt() != math.MaxInt {
				t.Fatalf("Attempt() = %d, want it saturated at MaxInt", b.Attempt())
			}
		})
	}
}

// TestSmall: Small's delays are Backoff's defaults, attempt for attempt,
// and its one-byte counter saturates instead of wrapping to 50 ms again.
func TestSmall(t *testing.T) {
	var s Small
	var b Backoff
	for i := range 300 {
		ceil := b.ceiling()
		b.Next()
		if d := s.Next(); d < ceil/2 || d > ceil {
			t.Fatalf("attempt %d: Small.Next() = %v, want in [%v, %v] as Backoff", i, d, ceil/2, ceil)
		}
	}
	if s.attempt != math.MaxUint8 {
		t.Fatalf("attempt count %d after 300 calls, want it saturated at 255", s.attempt)
	}
	s.Reset()
	if d := s.Next(); d < 25*time.Millisecond || d > 50*time.Millisecond {
		t.Fatalf("Next() after Reset = %v, want in [25ms, 50ms]", d)
	}
}
