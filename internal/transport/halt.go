package transport

import (
	"context"
	"fmt"
	"sync"

	"github.com/billbridge/billbridge"
)

// Halt is one call's stop switch. Once Stop is called, the call's requests
// that have not reached the wire yet are not sent: those waiting for a gate
// place, the rate limiter or a retry's pause, and any made later, fail with
// a *HaltedError. Requests already on the wire finish (cutting them would
// turn a create into an unknown outcome).
//
// The engine stops a call's Halt when the provider refuses its credentials:
// every later request would be refused the same way, and a thousand
// identical refusals tell the caller nothing the first did not (they may
// also get the credential locked). The batch engine gives the chunks not
// yet sent a not-sent result without calling their SendFunc.
type Halt struct {
	once        sync.Once
	mu          sync.Mutex
	err         error
	provisional bool // err is the transport's, until the engine's replaces it
	done        chan struct{}
}

// WithHalt returns a context whose requests obey the returned Halt. When
// ctx has one already, it is kept: a call nested in another (a lookup
// inside a save) stops with its outer call.
func WithHalt(ctx context.Context) (context.Context, *Halt) {
	if h := HaltOf(ctx); h != nil {
		return ctx, h
	}
	h := &Halt{done: make(chan struct{})}
	return context.WithValue(ctx, haltKey, h), h
}

// HaltOf returns ctx's Halt, or nil. A nil *Halt never stops.
func HaltOf(ctx context.Context) *Halt {
	h, _ := ctx.Value(haltKey).(*Halt)
	return h
}

// Stop stops the call with cause; only the first cause is kept, except
// the transport's own (see refused), which the first Stop replaces.
func (h *Halt) Stop(cause error) {
	h.stop(cause, false)
}

func (h *Halt) stop(cause error, provisional bool) {
	if h == nil || cause == nil {
		return
	}
	h.mu.Lock()
	if h.err == nil || h.provisional && !provisional {
		h.err, h.provisional = cause, provisional
	}
	h.mu.Unlock()
	h.once.Do(func() { close(h.done) })
}

// refused stops the call on a 401 or 403 answer as the transport hands it
// back, before the request leaves its gate place: the engine, which reads
// the answer into the APIError that becomes the cause, stops the call only
// after that, and a request let through the gate in between would be sent.
func (h *Halt) refused(status int) {
	h.stop(&RefusedError{Status: status}, true)
}

// Err returns the cause the call was stopped with, or nil.
func (h *Halt) Err() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Done is closed when the call is stopped (nil for a nil Halt: never).
func (h *Halt) Done() <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.done
}

// HaltedError is the error of a request not sent because its call was
// stopped; Cause is why (the refusal of an earlier request).
type HaltedError struct{ Cause error }

func (e *HaltedError) Error() string {
	return "not sent: an earlier request of this call was refused: " + e.Cause.Error()
}

// Unwrap returns the cause, so that errors.Is reaches its sentinels.
func (e *HaltedError) Unwrap() error { return e.Cause }

// RefusedError is the cause of a call stopped by a 401 or 403 answer, until
// the engine replaces it with the answer's APIError (a request stopped in
// between quotes this one).
type RefusedError struct{ Status int }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("HTTP %d: %v", e.Status, billbridge.ErrUnauthorized)
}

// Unwrap returns billbridge.ErrUnauthorized.
func (e *RefusedError) Unwrap() error { return billbridge.ErrUnauthorized }
