package ring

import "sync/atomic"

// Stack is a lock-free stack of nodes linked through a field of their own
// (an intrusive Treiber stack): any goroutine may Push; one consumer Takes
// the whole stack at once. The zero Stack is empty.
type Stack[T any] struct{ head atomic.Pointer[T] }

// Push pushes n, whose link field is *next. n must not be in a Stack.
func (s *Stack[T]) Push(n *T, next **T) {
	for {
		old := s.head.Load()
		*next = old
		if s.head.CompareAndSwap(old, n) {
			return
		}
	}
}

// Take empties the stack and returns its newest node; the others follow
// through the link fields.
func (s *Stack[T]) Take() *T { return s.head.Swap(nil) }
