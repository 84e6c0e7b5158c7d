// Package config holds what the options of pkg/option set: the settings of a
// client (Client) and of one call (Request). It is internal so that the
// public surface shows options, never the struct they fill (which holds
// credentials).
package config

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
)

// Middleware wraps one attempt of a request: it may inspect or change the
// request (which carries no credentials yet) and the response. next sends
// the attempt.
type Middleware = func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error)

// Request is what applies to each request: set on a client, it is the
// default of every call; set on a call, it overrides the client's.
type Request struct {
	// Header holds extra headers sent on every attempt. Credentials headers
	// (Authorization) are set by the client and cannot be overridden here.
	Header http.Header
	// Retry replaces the client's retry policy (nil: unchanged).
	Retry *billbridge.RetryPolicy
	// MaxRetries overrides Retry.MaxRetries (nil: unchanged).
	MaxRetries *int
	// AttemptTimeout bounds one attempt, body included (0: unchanged).
	AttemptTimeout time.Duration
	// Timeout bounds a request with all its attempts and waits (0:
	// unchanged; none by default).
	Timeout time.Duration
	// Middleware wraps every attempt, outermost first.
	Middleware []Middleware
	// CreateKey, when set, gives the create key of an item of a create call
	// (index in the input, the item); "" leaves the item without one.
	CreateKey func(index int, item any) string
	// NoCreateKeys switches create keys off (Tight).
	NoCreateKeys bool
	// Mode is how keyed writes treat an entity found by the item's key.
	Mode billbridge.Mode
	// ModeSet reports that Mode was given (ModeCreate is the zero value).
	ModeSet bool
	// KeyField names the field of a Tight item used as its natural key
	// ("email", "customData/crm_id"); "" uses the create key.
	KeyField string
	// Expected is the number of items a streaming call will get (0:
	// unknown): the reconcile step chooses its lookups by it.
	Expected int
	// Backfill lifts a provider's past limit on event timestamps
	// (Meteroid's allow_backfilling).
	Backfill bool
}

// Merge returns r with over applied on top: headers added, set fields
// replaced, middleware appended.
func (r Request) Merge(over *Request) Request {
	if over == nil {
		return r
	}
	out := r
	if len(over.Header) > 0 {
		out.Header = r.Header.Clone()
		if out.Header == nil {
			out.Header = http.Header{}
		}
		for k, vs := range over.Header {
			out.Header[k] = append([]string(nil), vs...)
		}
	}
	if over.Retry != nil {
		out.Retry = over.Retry
	}
	if over.MaxRetries != nil {
		out.MaxRetries = over.MaxRetries
	}
	if over.AttemptTimeout > 0 {
		out.AttemptTimeout = over.AttemptTimeout
	}
	if over.Timeout > 0 {
		out.Timeout = over.Timeout
	}
	if len(over.Middleware) > 0 {
		out.Middleware = append(append([]Middleware(nil), r.Middleware...), over.Middleware...)
	}
	if over.CreateKey != nil {
		out.CreateKey = over.CreateKey
	}
	out.NoCreateKeys = out.NoCreateKeys || over.NoCreateKeys
	if over.ModeSet {
		out.Mode, out.ModeSet = over.Mode, true
	}
	if over.KeyField != "" {
		out.KeyField = over.KeyField
	}
	if over.Expected > 0 {
		out.Expected = over.Expected
	}
	out.Backfill = out.Backfill || over.Backfill
	return out
}

// Policy returns the retry policy r asks for over base, with missing
// durations filled from the defaults.
func (r Request) Policy(base billbridge.RetryPolicy) billbridge.RetryPolicy {
	p := base
	if r.Retry != nil {
		p = *r.Retry
	}
	if r.MaxRetries != nil {
		p.MaxRetries = *r.MaxRetries
	}
	return p.WithDefaults()
}

// Client is the result of applying a client's options. Pointer fields are
// nil when unset, so that an explicit zero (no retries) differs from the
// default. Printing it never shows a credential.
type Client struct {
	BaseURL     string
	AllowHTTP   bool
	HTTPClient  *http.Client
	RateLimit   *rate.Limit // rate.Inf switches client-side limiting off
	RateBurst   int
	BatchSize   int
	Concurrency int
	Logger      *slog.Logger
	UserAgent   string
	OnProgress  func(billbridge.Progress)

	// Request holds the per-request defaults (headers, retries, timeouts,
	// middleware).
	Request Request

	Token        Secret
	Username     Secret
	Password     Secret
	ClientID     Secret
	ClientSecret Secret
}
