package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// RetryPolicy says how often and how long to retry. See the package comment
// for what is retried.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// MinBackoff is the first wait; each retry doubles it up to MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After: a server asking for an hour
	// should not park a batch for an hour. Zero means the default cap (30 s),
	// not "retry at once": a server asking to wait must not be hammered.
	MaxRetryAfter time.Duration
	// Backoff, when set, replaces the exponential schedule: it returns the
	// wait before retry n (0-based).
	Backoff func(n int) time.Duration
}

// DefaultRetryPolicy retries 5 times, waiting 0.5 s, 1 s, 2 s, 4 s, 8 s with
// jitter (each wait drawn between half and all of that, so at most about 15 s
// in all before giving up) and honours Retry-After up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 5, MinBackoff: 500 * time.Millisecond, MaxBackoff: 8 * time.Second, MaxRetryAfter: 30 * time.Second}
}

// wait returns the wait before retry n: "equal jitter", half fixed and half
// random, so that clients that failed together do not retry together.
func (p RetryPolicy) wait(n int) time.Duration {
	if p.Backoff != nil {
		return p.Backoff(n)
	}
	d := p.MinBackoff << min(n, 30)
	if d > p.MaxBackoff || d <= 0 {
		d = p.MaxBackoff
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(half+1)
}

// Transport is an http.RoundTripper that authenticates, rate-limits and
// retries. Its zero value sends requests through http.DefaultTransport with
// DefaultRetryPolicy's zero value (no retries); use New for the defaults.
type Transport struct {
	// Base sends single attempts (default http.DefaultTransport).
	Base http.RoundTripper
	// Auth adds credentials to each attempt; nil sends none.
	Auth Authenticator
	// Retry is the retry policy.
	Retry RetryPolicy
	// Limiter, when set, is waited on before every attempt.
	Limiter *rate.Limiter
	// UserAgent is sent on every request.
	UserAgent string
	// MaxResponseBytes caps a response body (default 32 MiB).
	MaxResponseBytes int64
	// AttemptTimeout bounds one attempt, body included (default 60 s): a
	// server that trickles its answer is treated as a failed attempt.
	AttemptTimeout time.Duration
	// Logger receives a debug line per retry; never headers or bodies.
	Logger *slog.Logger

	requests, retries atomic.Int64
}

// New returns a Transport over base with the default retry policy.
func New(base http.RoundTripper, auth Authenticator) *Transport {
	return &Transport{Base: base, Auth: auth, Retry: DefaultRetryPolicy()}
}

// Counts returns the attempts sent and the retries among them so far.
func (t *Transport) Counts() (requests, retries int64) {
	return t.requests.Load(), t.retries.Load()
}

type ctxKey int

const (
	idempotentKey ctxKey = iota
	traceKey
)

// Idempotent marks the requests made with ctx as safe to repeat even when
// their method is POST (Tight saves whose items all carry an id, token
// requests). Without it a POST is retried only when surely not acted on.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey, true)
}

// Trace records what happened to one request; WithTrace attaches it.
type Trace struct {
	// Attempts counts the attempts sent.
	Attempts int
	// LastStatus is the status of the last response (0 if none arrived).
	LastStatus int
}

// WithTrace returns a context whose requests record into the returned Trace.
// Use a fresh trace per request.
func WithTrace(ctx context.Context) (context.Context, *Trace) {
	tr := &Trace{}
	return context.WithValue(ctx, traceKey, tr), tr
}

func safe(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	ok, _ := req.Context().Value(idempotentKey).(bool)
	return ok
}

// RoundTrip sends req, retrying as the package comment describes.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	trace, _ := ctx.Value(traceKey).(*Trace)
	if trace == nil {
		trace = &Trace{}
	}
	isSafe := safe(req)
	refreshed := false
	for attempt := 0; ; attempt++ {
		if t.Limiter != nil {
			if err := t.Limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("waiting for the rate limiter: %w", contextErr(ctx, err))
			}
		}
		resp, wrote, err := t.attempt(ctx, req, body)
		trace.Attempts++
		t.requests.Add(1)
		if attempt > 0 {
			t.retries.Add(1)
		}
		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, ctx.Err()
		}
		if err != nil {
			trace.LastStatus = 0
			if !isSafe && wrote {
				// The server may have acted on it; a retry could act twice.
				return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, unwrapPermanent(err))
			}
			if p, ok := err.(*permanentError); ok {
				// Sending again cannot change the outcome (an oversized
				// answer, a refused credential).
				return nil, p.err
			}
			if attempt >= t.Retry.MaxRetries {
				return nil, err
			}
			if !t.pause(ctx, req, attempt, 0, nil, err) {
				return nil, ctx.Err()
			}
			continue
		}
		trace.LastStatus = resp.StatusCode
		if r, ok := t.Auth.(Refresher); ok && !refreshed && r.Stale(resp.Response, resp.body) {
			// One fresh credential per request: a second 401 is an answer.
			refreshed = true
			r.Invalidate()
			continue
		}
		if RetryableStatus(resp.StatusCode) && (isSafe || resp.StatusCode == http.StatusTooManyRequests) && attempt < t.Retry.MaxRetries {
			if !t.pause(ctx, req, attempt, resp.StatusCode, resp.Header, nil) {
				return nil, ctx.Err()
			}
			continue
		}
		return resp.Response, nil
	}
}

func contextErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pause waits before the next attempt; false when the context ended first.
func (t *Transport) pause(ctx context.Context, req *http.Request, attempt, status int, h http.Header, cause error) bool {
	wait := t.Retry.wait(attempt)
	if after, ok := retryAfter(h, time.Now()); ok {
		limit := t.Retry.MaxRetryAfter
		if limit <= 0 {
			limit = DefaultRetryPolicy().MaxRetryAfter
		}
		wait = min(after, limit)
	}
	if t.Logger != nil {
		attrs := []any{"method", req.Method, "path", req.URL.Path, "attempt", attempt + 1, "wait", wait}
		if status != 0 {
			attrs = append(attrs, "status", status)
		}
		if cause != nil {
			attrs = append(attrs, "error", cause.Error())
		}
		t.Logger.DebugContext(ctx, "billbridge: retrying", attrs...)
	}
	if wait <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryAfter parses a Retry-After header: delta seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		// Clamp before multiplying: a huge value must not overflow into a
		// negative (immediate) wait.
		const maxSeconds = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(s, maxSeconds)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// bufferedResponse is a response whose body has been read into memory.
type bufferedResponse struct {
	*http.Response
	body []byte
}

// permanentError marks an attempt failure that a retry cannot fix.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

func unwrapPermanent(err error) error {
	if p, ok := err.(*permanentError); ok {
		return p.err
	}
	return err
}

// attempt sends one attempt and reads its whole body. wrote reports whether
// the request reached the wire completely, which decides whether a failed
// unsafe request may be repeated.
func (t *Transport) attempt(ctx context.Context, req *http.Request, body []byte) (*bufferedResponse, bool, error) {
	timeout := t.AttemptTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := req.Clone(actx)
	switch {
	case len(body) > 0:
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	case req.Body != nil:
		// An empty body: NoBody sends Content-Length: 0 rather than a
		// chunked body of unknown length.
		r.Body, r.GetBody, r.ContentLength = http.NoBody, nil, 0
	}
	if t.UserAgent != "" {
		r.Header.Set("User-Agent", t.UserAgent)
	}
	if t.Auth != nil {
		// Before the write trace is attached: a token request made here
		// must not count as this request having been written.
		if err := t.Auth.Authenticate(r); err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.StatusCode != 0 && !ae.Retryable {
				return nil, false, &permanentError{err}
			}
			return nil, false, err
		}
	}
	var wrote atomic.Bool
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, wrote.Load(), err
	}
	limit := t.MaxResponseBytes
	if limit <= 0 {
		limit = 32 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if err != nil {
		return nil, true, fmt.Errorf("reading the response (HTTP %d): %w", resp.StatusCode, err)
	}
	if int64(len(data)) > limit {
		// The same request would get the same oversized answer.
		return nil, true, &permanentError{fmt.Errorf("response (HTTP %d) body exceeds %d bytes", resp.StatusCode, limit)}
	}
	if resp.StatusCode < 300 && IsJSON(resp.Header) && len(data) > 0 && !json.Valid(data) {
		// A cut or corrupted success body: the server acted, the answer was
		// lost on the way. Treated like a connection that broke mid-answer.
		return nil, true, fmt.Errorf("response (HTTP %d) is not valid JSON: %w", resp.StatusCode, io.ErrUnexpectedEOF)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	return &bufferedResponse{Response: resp, body: data}, true, nil
}

// IsJSON reports whether a response's Content-Type is JSON
// (application/json or a +json type).
func IsJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (mt == "application/json" || len(mt) > 5 && mt[len(mt)-5:] == "+json")
}

// RequestID returns the request id a provider or its gateway put in the
// response headers (X-Request-Id, else X-Correlation-Id), or "".
func RequestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Correlation-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// readBody reads the request body once so every attempt can replay it.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err == nil {
			defer rc.Close()
			req.Body.Close()
			return io.ReadAll(rc)
		}
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

// CheckBaseURL refuses a base URL that is not https, except on loopback
// (fakes and local tests) or when allowHTTP is set: credentials must not
// travel in clear text by accident.
func CheckBaseURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the raw URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("base URL is invalid: %w", err)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowHTTP || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("base URL %q: plain http is refused off loopback (credentials would travel in clear text); allow it explicitly if you must", u.Redacted())
	default:
		return fmt.Errorf("base URL %q: scheme must be https", u.Redacted())
	}
}

// RedactURL returns raw with the password of its user information (as in
// https://user:password@host) replaced by "xxxxx", for messages and String
// methods. A URL that does not parse is not quoted at all, since the parser
// cannot say which part is the password.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewHTTPClient returns the http.Client a facade uses when the caller brings
// none: pooled connections sized for the facade's concurrency and
// timeouts for every phase. The overall deadline comes from the context and
// Transport.AttemptTimeout, not from http.Client.Timeout, so a long batch is
// never cut mid-way by a client-wide clock.
func NewHTTPClient(conns int) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConns = max(conns*2, 100)
	base.MaxIdleConnsPerHost = max(conns, 2)
	base.ResponseHeaderTimeout = 60 * time.Second
	base.TLSHandshakeTimeout = 10 * time.Second
	base.ExpectContinueTimeout = time.Second
	base.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: base}
}
