// Package transport is the HTTP layer under the engine every billbridge
// facade shares: one http.RoundTripper that authenticates, rate-limits and
// retries requests, sends credentials only to the base URL's origin, and
// applies each call's request options (headers, retry overrides, attempt
// timeout, middleware) carried in its context.
//
// # What is retried
//
// Connection failures and the statuses 408, 429, 500, 502, 503 and 504 are
// retried; no other status is. Waits grow exponentially from
// billbridge.RetryPolicy.MinBackoff to MaxBackoff with "equal jitter" (each
// wait is half fixed, half random); a Retry-After header (seconds or an HTTP
// date) replaces the computed wait but is capped at MaxRetryAfter (30 s by
// default). Waits end when the request's context does. A failure to get a
// credential (the token client retries on its own), a request to another
// origin and an oversized response are not retried: sending again cannot
// change them.
//
// A request that may create something is retried only when the server surely
// did not act on it: on 429, or when the connection failed before the request
// was written. Requests are "unsafe" when their method is POST and the caller
// did not mark the context with Idempotent; GET, PUT, PATCH and DELETE are
// safe. When an unsafe request fails after it was written, RoundTrip returns
// an error wrapping billbridge.ErrOutcomeUnknown; when it gets a 5xx, the response is
// returned as is and the caller decides (the engine reports such items as
// billbridge.ErrOutcomeUnknown unless they can read the outcome back).
//
// # Bodies
//
// The request body is read once into memory and replayed from those bytes on
// every attempt (a consumed io.Reader cannot be re-sent). Response bodies of
// retryable statuses are buffered, so the last response reaches the caller
// intact when retries run out. Every response body is capped at
// Transport.MaxResponseBytes; reading past it is an error, never a silent
// truncation.
package transport
