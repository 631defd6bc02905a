package pub

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// streamTable maps stream keys to open streams: an open-addressing hash
// table of stream pointers (the stream holds its key), read without locks,
// changed under a mutex.
//
// It replaced a sync.Map, which held about 106 B per stream (a trie node and
// an entry each); this holds 8 B per slot, at a load of 3/8 to 3/4 while
// streams are added (11 to 22 B per stream) and down to 1/8 before it
// shrinks. At 15,000 idle streams sync.Map's nodes were a twelfth of the
// publisher's memory. A lookup is one hash and, mostly, one probe: no trie walk.
//
// Readers load the slot array and probe it with atomic loads. A writer never
// changes a slot array in a way a reader could misread: it stores a stream
// into an empty or deleted slot, or deleted over a stream, and replaces the
// whole array (rehash) when empty slots run short. A reader on a replaced
// array sees the table as it was before the replacement, as a lookup that
// ran a moment earlier would have.
type streamTable struct {
	slots atomic.Pointer[[]atomic.Pointer[stream]] // len a power of two, ≥ minTableSlots

	mu   sync.Mutex // writers
	live int        // streams in the slots; mu
	dead int        // deleted slots; mu
}

const minTableSlots = 16

// deleted marks a slot whose stream was removed: probes go on past it, and
// an insert may reuse it.
var deleted = new(stream)

var tableSeed = maphash.MakeSeed()

// tableHash hashes a key for the table: keyHash, except that strings take
// the runtime's fast hash (the table's hashes need not be stable across
// processes, as keyHash's spreading needs).
func tableHash(key any) uint64 {
	if k, ok := key.(string); ok {
		return maphash.String(tableSeed, k)
	}
	return keyHash(key)
}

// load returns the stream of key, or nil. Any goroutine.
func (t *streamTable) load(key any) *stream {
	sp := t.slots.Load()
	if sp == nil {
		return nil
	}
	slots := *sp
	mask := uint64(len(slots) - 1)
	for i := tableHash(key) & mask; ; i = (i + 1) & mask {
		s := slots[i].Load()
		if s == nil {
			return nil
		}
		if s != deleted && s.key == key {
			return s
		}
	}
}

// loadOrStore returns the stream of s.key if there is one, and otherwise
// stores s and returns it with stored true.
func (t *streamTable) loadOrStore(s *stream) (actual *stream, stored bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := tableHash(s.key)
	if sp := t.slots.Load(); sp != nil {
		slots := *sp
		mask := uint64(len(slots) - 1)
		free := -1 // the first deleted slot on the probe path
		for i := h & mask; ; i = (i + 1) & mask {
			o := slots[i].Load()
			if o == nil {
				break
			}
			if o == deleted {
				if free < 0 {
					free = int(i)
				}
				continue
			}
			if o.key == s.key {
				return o, false
			}
		}
		if free >= 0 {
			slots[free].Store(s)
			t.dead--
			t.live++
			return s, true
		}
		if (t.live+t.dead+1)*4 <= len(slots)*3 {
			t.put(slots, h, s)
			t.live++
			return s, true
		}
	}
	t.rehash(t.live + 1)
	t.put(*t.slots.Load(), h, s)
	t.live++
	return s, true
}

// remove deletes s, if the table still holds it.
func (t *streamTable) remove(s *stream) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.slots.Load()
	if sp == nil {
		return
	}
	slots := *sp
	mask := uint64(len(slots) - 1)
	for i := tableHash(s.key) & mask; ; i = (i + 1) & mask {
		o := slots[i].Load()
		if o == nil {
			return
		}
		if o == s {
			slots[i].Store(deleted)
			t.live--
			t.dead++
			break
		}
	}
	if n := len(slots); n > minTableSlots && t.live*8 < n { // mostly empty: shrink
		t.rehash(t.live)
	}
}

// rehash replaces the slot array with one sized for n streams (at most half
// full), holding the live ones. mu held.
func (t *streamTable) rehash(n int) {
	size := minTableSlots
	for size < 2*n {
		size *= 2
	}
	slots := make([]atomic.Pointer[stream], size)
	if sp := t.slots.Load(); sp != nil {
		for i := range *sp {
			if s := (*sp)[i].Load(); s != nil && s != deleted {
				t.put(slots, tableHash(s.key), s)
			}
		}
	}
	t.dead = 0
	t.slots.Store(&slots)
}

// put stores s in the first empty slot of its probe path. mu held, and s's
// key not in slots.
func (t *streamTable) put(slots []atomic.Pointer[stream], h uint64, s *stream) {
	mask := uint64(len(slots) - 1)
	i := h & mask
	for slots[i].Load() != nil {
		i = (i + 1) & mask
	}
	slots[i].Store(s)
}

// each calls fn for the streams in the table, until fn returns false. fn may
// change the table; like sync.Map.Range, each may or may not see streams
// stored or removed meanwhile, but sees every stream that stays in the
// table throughout at most once. Any goroutine.
func (t *streamTable) each(fn func(*stream) bool) {
	sp := t.slots.Load()
	if sp == nil {
		return
	}
	for i := range *sp {
		if s := (*sp)[i].Load(); s != nil && s != deleted && !fn(s) {
			return
		}
	}
}
