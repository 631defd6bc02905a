package reactor

// Set is an unordered set of a loop's connections, or of anything that
// keeps its own index in it: Add and Remove take constant time, Remove
// moving the last element into the gap. Like the connections it holds, a
// Set belongs to one loop.
type Set[T Member] struct{ items []T }

// Member is an element of a Set: SetIndex returns where it keeps its index
// in the Set.
type Member interface {
	comparable
	SetIndex() *int
}

// Add adds x, which must not be in the Set.
func (s *Set[T]) Add(x T) {
	*x.SetIndex() = len(s.items)
	s.items = append(s.items, x)
}

// Remove removes x and reports whether it was in the Set.
func (s *Set[T]) Remove(x T) bool {
	i, last := *x.SetIndex(), len(s.items)-1
	if i < 0 || i > last || s.items[i] != x {
		return false
	}
	s.items[i] = s.items[last]
	*s.items[i].SetIndex() = i
	clear(s.items[last:])
	s.items = s.items[:last]
	return true
}

// All returns the elements, for a walk that removes none of them; valid
// until the next Add or Remove.
func (s *Set[T]) All() []T { return s.items }

// Len returns the number of elements.
func (s *Set[T]) Len() int { return len(s.items) }

// Each calls fn for every element, the last added first. fn may remove the
// element it is given (closing a connection removes it at once); the
// element moved into its place was visited already.
func (s *Set[T]) Each(fn func(T)) {
	for i := len(s.items) - 1; i >= 0; i-- {
		if i < len(s.items) {
			fn(s.items[i])
		}
	}
}
