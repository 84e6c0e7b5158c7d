package engine

import (
	"context"
	"sync"
)

// Coalesce shares read-backs among the concurrent items of one call, as a
// group commit does: every Get waits for a read that starts after Get was
// called (so it sees whatever the caller's own request did), and one read
// serves every key that joined before it started. While a read is running,
// the keys that arrive join the next one, which starts when the running one
// ends. A read of the whole listing (a walk of every page, the only way to
// read some entities back) then costs one walk per wave of items in doubt,
// not one per item.
//
// A Coalesce is used by one call; its zero value with Read set is ready.
type Coalesce[K comparable, V any] struct {
	// Read reads the entities of keys: the ones it finds in found (a key
	// absent from found was not found), the attempts its requests took,
	// and an error when it could not read them all (found may still hold
	// some). It should stop as soon as every key is found.
	Read func(ctx context.Context, keys map[K]struct{}) (found map[K]V, attempts int, err error)

	mu   sync.Mutex
	next *coalesceRound[K, V] // the round keys join, not started yet
	last chan struct{}        // closed when the latest round started ends
}

type coalesceRound[K comparable, V any] struct {
	keys     map[K]struct{}
	prev     chan struct{} // the round before: this one starts after it
	done     chan struct{}
	found    map[K]V
	attempts int
	err      error
}

// Get reads key back, in a read started after the call, shared with the
// other keys waiting at that moment. found says whether the read found it;
// attempts are the shared read's (each key is charged the whole read, as
// keyed lookups are). err is the read's error when key was not found, or
// ctx's when it ended first.
func (c *Coalesce[K, V]) Get(ctx context.Context, key K) (v V, found bool, attempts int, err error) {
	c.mu.Lock()
	r := c.next
	lead := r == nil
	if lead {
		r = &coalesceRound[K, V]{keys: map[K]struct{}{}, prev: c.last, done: make(chan struct{})}
		c.next, c.last = r, r.done
	}
	r.keys[key] = struct{}{}
	c.mu.Unlock()
	if lead {
		// The round's first key runs it, once the round before has ended
		// (the keys that arrive meanwhile join it).
		if r.prev != nil {
			select {
			case <-r.prev:
			case <-ctx.Done():
			}
		}
		c.mu.Lock()
		c.next = nil // sealed: later keys start the next round
		c.mu.Unlock()
		if err := context.Cause(ctx); err != nil {
			r.err = err
		} else {
			r.found, r.attempts, r.err = c.Read(ctx, r.keys)
		}
		close(r.done)
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return v, false, 0, context.Cause(ctx)
	}
	v, found = r.found[key]
	if !found {
		err = r.err
	}
	return v, found, r.attempts, err
}
