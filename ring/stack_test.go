package ring

import (
	"sync"
	"testing"
)

type node struct {
	v    int
	next *node
}

func TestStack(t *testing.T) {
	var s Stack[node]
	if s.Take() != nil {
		t.Fatal("zero Stack not empty")
	}
	const pushers, each = 4, 1000
	var wg sync.WaitGroup
	for p := range pushers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := &node{v: p*each + i}
				s.Push(n, &n.next)
			}
		}()
	}
	seen := make([]bool, pushers*each)
	count := 0
	take := func() {
		for n := s.Take(); n != nil; n = n.next {
			if seen[n.v] {
				t.Fatalf("%d taken twice", n.v)
			}
			seen[n.v] = true
			count++
		}
	}
	for range 100 {
		take()
	}
	wg.Wait()
	take()
	if count != pushers*each {
		t.Fatalf("took %d nodes, pushed %d", count, pushers*each)
	}
}
