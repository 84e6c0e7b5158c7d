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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
)

// wait returns the wait before retry n: "equal jitter", half fixed and half
// random, so that clients that failed together do not retry together.
func wait(p billbridge.RetryPolicy, n int) time.Duration {
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
// retries. Its zero value sends requests through http.DefaultTransport
// without retries; use New for the defaults.
type Transport struct {
	// Base sends single attempts (default http.DefaultTransport).
	Base http.RoundTripper
	// Auth adds credentials to each attempt; nil sends none.
	Auth Authenticator
	// Origin, when set (scheme://host[:port]), is the only origin requests
	// may go to: a request for any other is refused before credentials are
	// added, so that credentials never leave for another host.
	Origin string
	// Retry is the retry policy.
	Retry billbridge.RetryPolicy
	// Request holds the defaults of every request (headers, attempt
	// timeout, middleware, retry overrides); a call's own settings, put in
	// its context with WithRequest, apply on top.
	Request config.Request
	// Limiter, when set, is waited on before every attempt.
	Limiter *rate.Limiter
	// UserAgent is sent on every request.
	UserAgent string
	// MaxResponseBytes caps one response body (default
	// DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// MaxBufferedBytes caps the bytes of all the response bodies being read
	// at once (default DefaultMaxBufferedBytes): at high concurrency,
	// servers sending endless bodies cannot make the client buffer
	// concurrency × MaxResponseBytes.
	MaxBufferedBytes int64
	// Logger receives a debug line per retry; never headers or bodies.
	Logger *slog.Logger

	requests, retries atomic.Int64
	memOnce           sync.Once
	mem               *semaphore.Weighted
}

// Response size bounds: one answer of the providers is at most a few MB (a
// Tight batch of 1,000 items); a body past these is not an answer.
const (
	DefaultMaxResponseBytes = 16 << 20
	DefaultMaxBufferedBytes = 64 << 20
)

// DefaultAttemptTimeout bounds one attempt, body included, when nothing else
// is set: a server that trickles its answer fails the attempt.
const DefaultAttemptTimeout = 60 * time.Second

// New returns a Transport over base with the default retry policy.
func New(base http.RoundTripper, auth Authenticator) *Transport {
	return &Transport{Base: base, Auth: auth, Retry: billbridge.DefaultRetryPolicy()}
}

// Counts returns the attempts that reached the wire (their bytes written)
// and the retries among them so far.
func (t *Transport) Counts() (requests, retries int64) {
	return t.requests.Load(), t.retries.Load()
}

type ctxKey int

const (
	idempotentKey ctxKey = iota
	traceKey
	requestKey
	decodedKey
	gateKey
	haltKey
)

// Idempotent marks the requests made with ctx as safe to repeat even when
// their method is POST (Tight saves whose items all carry an id, token
// requests). Without it a POST is retried only when surely not acted on.
// It is internal on purpose: a caller who marked a create safe would get
// duplicates on a dropped connection.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey, true)
}

// WithRequest returns a context whose requests apply r on top of the
// Transport's own request settings (a call's options).
func WithRequest(ctx context.Context, r *config.Request) context.Context {
	if r == nil {
		return ctx
	}
	if prev, _ := ctx.Value(requestKey).(*config.Request); prev != nil {
		// Nested calls (a lookup inside a save) keep the outer call's
		// settings under their own.
		merged := prev.Merge(r)
		r = &merged
	}
	return context.WithValue(ctx, requestKey, r)
}

// RequestOf returns the request settings that apply to requests made with
// ctx: the Transport's own, with the call's (WithRequest) on top.
func (t *Transport) RequestOf(ctx context.Context) config.Request {
	rc := t.Request
	if over, _ := ctx.Value(requestKey).(*config.Request); over != nil {
		rc = rc.Merge(over)
	}
	return rc
}

// DecodedByCaller marks ctx's requests as read by a caller that checks the
// JSON of 2xx answers itself, while decoding them (engine.Call with
// Decode): the transport then skips its own json.Valid scan of the body,
// which would read every answer twice.
func DecodedByCaller(ctx context.Context) context.Context {
	return context.WithValue(ctx, decodedKey, true)
}

func decodedByCaller(ctx context.Context) bool {
	ok, _ := ctx.Value(decodedKey).(bool)
	return ok
}

// WithGate returns a context whose requests wait for one of n places
// before they are sent and leave it when their answer is read (retries and
// their pauses included): however many goroutines send with it, at most n
// requests are in flight. The batch engine uses it so that a chunk can be
// validated and encoded, or its answer decoded, while Concurrency others
// are on the wire. A request made while one holds a place (a token fetch
// under it) does not wait for another.
func WithGate(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, gateKey, &gate{places: make(chan struct{}, max(n, 1))})
}

type gate struct{ places chan struct{} }

// enter waits for a place of ctx's gate, if it has one; leave gives it back.
// The returned context marks the place as held.
func enter(ctx context.Context) (held context.Context, leave func(), err error) {
	g, _ := ctx.Value(gateKey).(*gate)
	if g == nil {
		return ctx, func() {}, nil
	}
	h := HaltOf(ctx)
	select {
	case g.places <- struct{}{}:
	case <-ctx.Done():
		return ctx, nil, ctx.Err()
	case <-h.Done():
		return ctx, nil, &HaltedError{h.Err()}
	}
	return context.WithValue(ctx, gateKey, (*gate)(nil)), func() { <-g.places }, nil
}

// Trace records what happened to one request; WithTrace attaches it.
type Trace struct {
	// Attempts counts the attempts that reached the wire completely.
	Attempts int
	// LastStatus is the status of the last response (0 if none arrived).
	LastStatus int
	// MaybeActed reports that some attempt reached the wire and was not
	// answered with a status that says it was not acted on: it failed
	// without an answer, or was answered 5xx.
	MaybeActed bool
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

// ErrOtherOrigin is returned for a request to another origin than
// Transport.Origin; nothing was sent.
var ErrOtherOrigin = errors.New("request refused: its URL is not on the client's base URL origin (credentials are only sent there)")

// RoundTrip sends req, retrying as the package comment describes.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.Origin != "" && origin(req.URL) != t.Origin {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrOtherOrigin
	}
	body, err := replayable(req)
	if err != nil {
		return nil, err
	}
	ctx, leave, err := enter(ctx)
	if err != nil {
		return nil, err // nothing was sent
	}
	defer leave()
	trace, _ := ctx.Value(traceKey).(*Trace)
	if trace == nil {
		trace = &Trace{}
	}
	rc := t.RequestOf(ctx)
	policy := rc.Policy(t.Retry)
	if rc.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rc.Timeout)
		defer cancel() // the body is read already: nothing outlives RoundTrip
	}
	isSafe := safe(req)
	refreshed := false
	halt := HaltOf(ctx)
	for attempt := 0; ; attempt++ {
		if t.Limiter != nil {
			if err := t.Limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("waiting for the rate limiter: %w", contextErr(ctx, err))
			}
		}
		if err := halt.Err(); err != nil {
			// The call was stopped (its credentials refused) while this
			// request waited: nothing of this attempt was sent.
			return nil, &HaltedError{err}
		}
		resp, _, wrote, err := t.attempt(ctx, req, body, &rc)
		if wrote {
			// Counts tells what reached the wire: a refused connection or a
			// failed token fetch sent nothing.
			t.requests.Add(1)
			if attempt > 0 {
				t.retries.Add(1)
			}
			// Only an attempt that reached the wire counts as the item's:
			// a failed token fetch or a refused connection sent nothing.
			trace.Attempts++
			if err != nil || resp.StatusCode >= 500 {
				trace.MaybeActed = true
			}
		}
		if ctx.Err() != nil {
			if err == nil && resp != nil {
				// The answer arrived whole before the context ended: it
				// decides the request. Dropping it would report a request
				// the server acted on (a create, an e-mail) as not sent,
				// which invites sending it again. No retry follows.
				trace.LastStatus = resp.StatusCode
				return resp.Response, nil
			}
			return nil, ctx.Err()
		}
		if err != nil {
			trace.LastStatus = 0
			if !isSafe && wrote {
				// The server may have acted on it; a retry could act twice.
				return nil, fmt.Errorf("%w: %w", billbridge.ErrOutcomeUnknown, unwrapPermanent(err))
			}
			if p, ok := err.(*permanentError); ok {
				// Sending again cannot change the outcome (an oversized
				// answer, a refused credential).
				return nil, p.err
			}
			if attempt >= policy.MaxRetries {
				return nil, err
			}
			if !t.pause(ctx, req, policy, attempt, 0, nil, err) {
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
		if RetryableStatus(resp.StatusCode) && (isSafe || resp.StatusCode == http.StatusTooManyRequests) && attempt < policy.MaxRetries {
			if !t.pause(ctx, req, policy, attempt, resp.StatusCode, resp.Header, nil) {
				return nil, ctx.Err()
			}
			continue
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			// The credentials refused after any refresh: stop the call
			// before this request gives its gate place to another.
			halt.refused(resp.StatusCode)
		}
		return resp.Response, nil
	}
}

// origin returns scheme://host of u, lower-cased as URLs compare.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// OriginOf returns the origin (scheme://host[:port]) of a base URL, the value
// for Transport.Origin.
func OriginOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return origin(u)
}

func contextErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pause waits before the next attempt; false when the context ended first.
func (t *Transport) pause(ctx context.Context, req *http.Request, p billbridge.RetryPolicy, attempt, status int, h http.Header, cause error) bool {
	d := wait(p, attempt)
	if after, ok := retryAfter(h, time.Now()); ok {
		d = min(after, p.MaxRetryAfter)
	}
	if t.Logger != nil {
		attrs := []any{"method", req.Method, "path", req.URL.Path, "attempt", attempt + 1, "wait", d}
		if status != 0 {
			attrs = append(attrs, "status", status)
		}
		if cause != nil {
			attrs = append(attrs, "error", cause.Error())
		}
		t.Logger.DebugContext(ctx, "billbridge: retrying", attrs...)
	}
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-HaltOf(ctx).Done():
		return true // the next attempt finds the call stopped
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

// attempt sends one attempt and reads its whole body. sent reports that the
// attempt got its credentials and went to the base transport; wrote that the
// request reached the wire completely, which decides whether a failed
// unsafe request may be repeated.
func (t *Transport) attempt(ctx context.Context, req *http.Request, body requestBody, rc *config.Request) (resp *bufferedResponse, sent, wrote bool, err error) {
	timeout := rc.AttemptTimeout
	if timeout <= 0 {
		timeout = DefaultAttemptTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := req.Clone(actx)
	switch {
	case body.size > 0:
		if r.Body, err = body.get(); err != nil {
			return nil, false, false, &permanentError{fmt.Errorf("reading the request body: %w", err)}
		}
		r.GetBody, r.ContentLength = body.get, body.size
	case req.Body != nil:
		// An empty body: NoBody sends Content-Length: 0 rather than a
		// chunked body of unknown length.
		r.Body, r.GetBody, r.ContentLength = http.NoBody, nil, 0
	}
	for k, vs := range rc.Header {
		if t.Auth != nil && http.CanonicalHeaderKey(k) == "Authorization" {
			continue // the client's credentials only
		}
		r.Header[k] = append([]string(nil), vs...)
	}
	if t.UserAgent != "" {
		r.Header.Set("User-Agent", t.UserAgent)
	}
	var wroteFlag atomic.Bool
	// send is the innermost step, under the middlewares: credentials are
	// added here, after any middleware saw the request, so that a logging
	// middleware cannot see them.
	send := func(r *http.Request) (*http.Response, error) {
		if t.Origin != "" && origin(r.URL) != t.Origin {
			return nil, &permanentError{ErrOtherOrigin}
		}
		if t.Auth != nil {
			// The client's credentials only: a header option cannot
			// replace them.
			r.Header.Del("Authorization")
			// Before the write trace is attached: a token request made here
			// must not count as this request having been written.
			if err := t.Auth.Authenticate(r); err != nil {
				return nil, &authError{err}
			}
		}
		sent = true
		r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
			WroteRequest: func(i httptrace.WroteRequestInfo) {
				if i.Err == nil {
					wroteFlag.Store(true)
				}
			},
		}))
		base := t.Base
		if base == nil {
			base = http.DefaultTransport
		}
		return base.RoundTrip(r)
	}
	for i := len(rc.Middleware) - 1; i >= 0; i-- {
		m, next := rc.Middleware[i], send
		send = func(r *http.Request) (*http.Response, error) { return m(r, next) }
	}
	raw, err := send(r)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			// The token client retried on its own already; retrying it
			// again here would multiply its attempts.
			return nil, sent, false, &permanentError{ae.err}
		}
		return nil, sent, wroteFlag.Load(), err
	}
	data, err := t.readAll(raw)
	raw.Body.Close()
	if err != nil {
		var pe *permanentError
		if errors.As(err, &pe) {
			return nil, sent, true, err
		}
		return nil, sent, true, fmt.Errorf("reading the response (HTTP %d): %w", raw.StatusCode, err)
	}
	if raw.StatusCode < 300 && IsJSON(raw.Header) && len(data) > 0 && !decodedByCaller(ctx) && !json.Valid(data) {
		// A cut or corrupted success body: the server acted, the answer was
		// lost on the way. Treated like a connection that broke mid-answer.
		return nil, sent, true, fmt.Errorf("response (HTTP %d) is not valid JSON: %w", raw.StatusCode, io.ErrUnexpectedEOF)
	}
	raw.Body = &Body{Reader: bytes.NewReader(data), data: data}
	raw.ContentLength = int64(len(data))
	return &bufferedResponse{Response: raw, body: data}, sent, true, nil
}

// readAll reads a response body under the per-response cap and the
// client's budget for bodies being read at once. Bytes are taken from the
// budget as they arrive and given back once the body is read: what is
// bounded is the memory of answers in flight, which is what endless or
// huge bodies would grow.
func (t *Transport) readAll(raw *http.Response) ([]byte, error) {
	limit := t.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	t.memOnce.Do(func() {
		total := t.MaxBufferedBytes
		if total <= 0 {
			total = DefaultMaxBufferedBytes
		}
		t.mem = semaphore.NewWeighted(max(total, limit))
	})
	var held int64
	defer func() { t.mem.Release(held) }()
	const step = 32 << 10
	// One byte past a declared length, so that the read which finds the
	// end needs no second buffer; a length past step is taken from the
	// budget first, like any growth.
	initial := min(max(raw.ContentLength+1, 512), limit+1, 8<<20)
	if initial > step {
		if !t.mem.TryAcquire(initial) {
			initial = step
		} else {
			held = initial
		}
	}
	buf := make([]byte, 0, initial)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				// The same request would get the same oversized answer.
				return nil, &permanentError{fmt.Errorf("response (HTTP %d) body exceeds %d bytes", raw.StatusCode, limit)}
			}
			grow := int64(min(max(cap(buf), step), 8<<20))
			if !t.mem.TryAcquire(grow) {
				return nil, &permanentError{fmt.Errorf("response (HTTP %d): bodies being read exceed the client's buffer budget (Transport.MaxBufferedBytes)", raw.StatusCode)}
			}
			held += grow
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		n, err := raw.Body.Read(buf[len(buf):min(int64(cap(buf)), limit+1)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, &permanentError{fmt.Errorf("response (HTTP %d) body exceeds %d bytes", raw.StatusCode, limit)}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// authError is a failure to add credentials: the request was not sent.
type authError struct{ err error }

func (a *authError) Error() string { return a.err.Error() }
func (a *authError) Unwrap() error { return a.err }

// Body is the body of every response the Transport returns: already read
// into memory (under the size cap), readable once as an io.Reader and at any
// time, without a copy, through Bytes.
type Body struct {
	*bytes.Reader
	data []byte
}

// Bytes returns the whole body, whatever has been read of it.
func (b *Body) Bytes() []byte { return b.data }

// Close does nothing: the connection was released when the body was read.
func (b *Body) Close() error { return nil }

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

// requestBody hands every attempt a fresh reader of the request body.
type requestBody struct {
	get  func() (io.ReadCloser, error)
	size int64 // 0: no body
}

// replayable makes req's body readable once per attempt. A body that
// http.NewRequest can rewind itself (GetBody, as for the generated client's
// bytes.Reader) is not copied: each attempt gets its own reader over the
// same bytes. Any other body is read into memory once.
func replayable(req *http.Request) (requestBody, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return requestBody{}, nil
	}
	if req.GetBody != nil && req.ContentLength > 0 {
		req.Body.Close()
		return requestBody{get: req.GetBody, size: req.ContentLength}, nil
	}
	defer req.Body.Close()
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return requestBody{}, err
	}
	get := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return requestBody{get: get, size: int64(len(data))}, nil
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
	// A provider's headers fit in a few KB; a server streaming headers
	// without end must not grow the heap to the 10 MB default.
	base.MaxResponseHeaderBytes = 256 << 10
	return &http.Client{Transport: base}
}
