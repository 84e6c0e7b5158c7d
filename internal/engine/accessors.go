package engine

import (
	"context"
	"fmt"

	"github.com/billbridge/billbridge/internal/config"
)

// Accessors are the methods every facade client shares, written once and
// promoted by embedding (each facade embeds it under an unexported alias,
// so no field shows): the base URL, the request counts, a printable form
// without credentials, and Do for operations the facade does not wrap.
type Accessors struct{ e *Engine }

// NewAccessors returns the accessors of e.
func NewAccessors(e *Engine) Accessors { return Accessors{e: e} }

// BaseURL returns the base URL the client sends to (the paths of the
// provider's spec follow it).
func (a Accessors) BaseURL() string { return a.e.BaseURL }

// Counts returns the HTTP attempts that reached the wire so far (their
// bytes were written: retries included, refused connections and token
// requests not) and the retries among them.
func (a Accessors) Counts() (requests, retries int64) { return a.e.Counts() }

// String describes the client without its credentials.
func (a Accessors) String() string { return a.e.String() }

// Format prints the String form for every verb, so that %+v or %#v cannot
// walk into the transport and its credentials.
func (a Accessors) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, a.e.String()) }

// Do sends a raw request for an operation the facade does not wrap, with the
// client's authentication, retries, rate limit and error types. path is
// relative to the base URL and starts as the spec's paths do (absolute URLs
// are refused: credentials only go to the base URL's host). body, when not
// nil, is sent as JSON; out, when not nil, receives the JSON answer (a
// *[]byte receives the raw body). A POST is not repeated once the provider
// may have acted on it; such a failure wraps billbridge.ErrOutcomeUnknown.
// Errors are *billbridge.APIError.
func (a Accessors) Do(ctx context.Context, method, path string, body, out any, opts ...config.RequestOption) error {
	return a.e.Do(ctx, method, path, body, out, opts)
}
