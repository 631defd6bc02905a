package harness

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestPacerRate(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		sends int
	}{
		{name: "1000/s", rate: 1000, sends: 200},
		{name: "20000/s", rate: 20000, sends: 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPacer(tt.rate)
			start := time.Now()
			for range tt.sends {
				p.Wait()
			}
			got := float64(tt.sends) / time.Since(start).Seconds()
			// Roughly: the schedule is absolute, so only the last sleep's
			// slack and a busy machine move the figure. Too fast is a bug;
			// allow slowness for a loaded CI machine.
			if got > tt.rate*1.1 || got < tt.rate*0.5 {
				t.Fatalf("rate = %.0f/s, want ≈ %.0f/s", got, tt.rate)
			}
		})
	}
}

// A steady Pacer spaces sends evenly: no send before its turn, and the
// median gap between sends near one interval (a sleeping Pacer, where a
// short sleep lasts a millisecond, releases bursts with gaps near 0). A
// loaded machine that preempts the spinning goroutine makes it catch up in
// a burst, so the spacing gets three tries.
func TestSteadyPacerSpacing(t *testing.T) {
	const rate, sends = 10000, 301
	iv := time.Second / rate
	var med time.Duration
	for range 3 {
		p := NewSteadyPacer(rate)
		p.Wait()
		start, prev := time.Now(), time.Now()
		gaps := make([]time.Duration, 0, sends)
		for i := 1; i < sends; i++ {
			p.Wait()
			now := time.Now()
			gaps = append(gaps, now.Sub(prev))
			prev = now
			if early := time.Duration(i)*iv - now.Sub(start); early > iv {
				t.Fatalf("send %d released %v early", i, early)
			}
		}
		slices.Sort(gaps)
		if med = gaps[len(gaps)/2]; med >= iv/4 {
			return
		}
	}
	t.Fatalf("median gap %v, want about %v", med, iv)
}

func TestPacerUnpaced(t *testing.T) {
	p := NewPacer(0)
	start := time.Now()
	for range 1_000_000 {
		p.Wait()
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("unpaced Wait took %v for 1e6 calls", d)
	}
}

// At high or unlimited rates about one message in sampleEvery is stamped;
// the others carry 0, which the Recorder counts without a latency.
func TestPayloadSampling(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, rate := range []float64{0, 1e6} {
		cfg := &Config{SizeMin: 100, SizeMax: 100, Rate: rate}
		stamped := 0
		const n = 64000
		buf := make([]byte, 100)
		for range n {
			if le64(Payload(cfg, rnd, buf)) != 0 {
				stamped++
			}
		}
		if want := n / sampleEvery; stamped < want*8/10 || stamped > want*12/10 {
			t.Fatalf("rate %v: %d of %d stamped, want about %d", rate, stamped, n, want)
		}
	}
	r := NewRecorder()
	r.Record(make([]byte, 100)) // unstamped: counted, no latency
	if msgs, _, _ := r.Snapshot(); msgs != 1 || r.Histogram().TotalCount() != 0 {
		t.Fatalf("unstamped message: msgs %d, latencies %d", msgs, r.Histogram().TotalCount())
	}
}

func TestPayload(t *testing.T) {
	tests := []struct {
		name     string
		min, max int
	}{
		{name: "fixed", min: 100, max: 100},
		{name: "range", min: 8, max: 64},
		{name: "below minimum", min: 1, max: 1},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &Config{SizeMin: tt.min, SizeMax: tt.max, Rate: 1000} // low rate: every message stamped
			seen := map[int]bool{}
			var buf []byte
			for range 2000 {
				before := time.Now().UnixNano()
				p := Payload(cfg, rnd, buf)
				buf = p
				if len(p) < max(tt.min, MinSize) || len(p) > max(tt.max, MinSize) {
					t.Fatalf("len %d outside %d-%d", len(p), tt.min, tt.max)
				}
				if st := int64(le64(p)); st < before || st > time.Now().UnixNano() {
					t.Fatalf("stamp %d not between %d and now", st, before)
				}
				seen[len(p)] = true
			}
			if tt.max-tt.min > 10 && len(seen) < (tt.max-tt.min)/2 {
				t.Fatalf("only %d distinct sizes in %d-%d", len(seen), tt.min, tt.max)
			}
		})
	}
}

func le64(p []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}
