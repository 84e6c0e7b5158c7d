package webhook

import (
	"context"
	"sync"
	"time"
)

// Claim is the answer of a Store to a delivery id.
type Claim int

const (
	// Claimed: the id is new; the caller processes the delivery and then
	// calls Done or Release.
	Claimed Claim = iota
	// Seen: the delivery was processed within the window.
	Seen
	// InFlight: another request is processing the same id right now.
	InFlight
)

// Store remembers which deliveries were processed, for a window. A Store
// shared by several processes (a database, Redis) makes the deduplication
// hold across them; the default is in memory, per Handler.
type Store interface {
	// Claim reserves id at now, unless it was processed within the window
	// (Seen) or is being processed (InFlight).
	Claim(ctx context.Context, id string, now time.Time) (Claim, error)
	// Done marks id as processed at now: Claim answers Seen until the
	// window has passed.
	Done(ctx context.Context, id string, now time.Time) error
	// Release drops the reservation of a delivery that failed, so that the
	// provider's next attempt is processed.
	Release(ctx context.Context, id string) error
}

// MemoryStore is a Store in memory, safe for concurrent use. Entries older
// than the window are dropped as new ones arrive.
type MemoryStore struct {
	window time.Duration

	mu       sync.Mutex
	done     map[string]time.Time // id -> when processed
	inflight map[string]struct{}
	lastGC   time.Time
}

// NewMemoryStore returns a MemoryStore that remembers a processed id for
// window.
func NewMemoryStore(window time.Duration) *MemoryStore {
	return &MemoryStore{window: window, done: map[string]time.Time{}, inflight: map[string]struct{}{}}
}

// Claim implements Store.
func (s *MemoryStore) Claim(_ context.Context, id string, now time.Time) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gc(now)
	if at, ok := s.done[id]; ok && now.Sub(at) < s.window {
		return Seen, nil
	}
	if _, ok := s.inflight[id]; ok {
		return InFlight, nil
	}
	s.inflight[id] = struct{}{}
	return Claimed, nil
}

// Done implements Store.
func (s *MemoryStore) Done(_ context.Context, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, id)
	s.done[id] = now
	return nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, id)
	return nil
}

// gc drops expired entries, at most once per tenth of the window, so that
// memory stays bounded by the deliveries of one window.
func (s *MemoryStore) gc(now time.Time) {
	if now.Sub(s.lastGC) < s.window/10 {
		return
	}
	s.lastGC = now
	for id, at := range s.done {
		if now.Sub(at) >= s.window {
			delete(s.done, id)
		}
	}
}
