// Package engine is what the three facades share under their envelopes: the
// HTTP stack built from the options (auth, retries, rate limit, no
// redirects, credentials only to the base URL's origin), the batch options,
// and the one step that sends a request and classifies its outcome.
//
// # The call-and-classify step
//
// Call sends one request through the generated client and hands back the
// answer with its body read once (the transport buffered it under its size
// cap), or an error already classified, always a *billbridge.APIError:
//
//   - not sent (wraps billbridge.ErrNotSent): no attempt reached the provider
//     in a way that could have acted (never written, no token, cancelled
//     before its turn, or only 429s);
//   - outcome unknown (wraps billbridge.ErrOutcomeUnknown): a request that
//     may create something failed after it may have acted (no answer, a 5xx
//     or 408, a cut body);
//   - refused: the provider's error answer, decoded by the provider's
//     ErrorDecoder into Code, Message, Param (a 404 wraps
//     billbridge.ErrNotFound);
//   - failed: a safe request (read, update, upsert) that got no answer;
//     Retryable, since sending it again is harmless.
//
// The facades keep only their envelopes and their own rules: Tight's
// bisecting, ChargeOver's _bulk and read-back, Meteroid's fan-out.
package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/transport"
)

// Version is the library version sent in the User-Agent.
const Version = "0.2.0"

// MaxConcurrency bounds option.WithConcurrency.
const MaxConcurrency = config.MaxConcurrency

// ErrorBody is what a provider's error answer says, as its ErrorDecoder
// reads it. Empty fields are unknown.
type ErrorBody struct {
	Code, Message, Param, RequestID string
}

// ErrorDecoder reads a provider's error answer. It must be tolerant: the
// body may be a proxy's HTML page, empty, or drift from the spec.
type ErrorDecoder func(status int, h http.Header, body []byte) ErrorBody

// Provider is what a facade tells the engine about its provider.
type Provider struct {
	// Name is the provider in errors ("tight", "chargeover", "meteroid").
	Name string
	// BaseURL is the default base URL; empty means the caller must give one.
	BaseURL string
	// BatchSize is the default number of items per request, MaxBatchSize
	// the most the provider takes (0: the provider has no batch call and
	// option.WithBatchSize has no effect).
	BatchSize, MaxBatchSize int
	// Concurrency is the default number of requests in flight.
	Concurrency int
	// RateLimit in requests per second (rate.Inf: none) and its burst.
	RateLimit rate.Limit
	RateBurst int
	// DecodeError reads the provider's error answers.
	DecodeError ErrorDecoder
}

// Engine is one client's shared machinery.
type Engine struct {
	// Provider is the provider's description.
	Provider Provider
	// BaseURL is the checked base URL, without a trailing slash.
	BaseURL string
	// HTTPClient sends through Transport; hand it to the generated client.
	HTTPClient *http.Client
	// Transport authenticates, retries and rate-limits every attempt.
	Transport *transport.Transport
	// BatchSize and Concurrency are the options or the provider's defaults.
	BatchSize, Concurrency int
	// Logger is the option's logger, or one that discards everything.
	Logger *slog.Logger

	onProgress func(billbridge.Progress)
	authKind   string
	secrets    []string
}

// Configure applies a facade's options.
func Configure(opts []config.Option) *config.Client {
	return (&config.Client{}).Apply(opts...)
}

// New checks cfg against p and assembles the HTTP stack around auth.
// authKind describes the credentials in String ("token", ...).
func New(p Provider, cfg *config.Client, auth transport.Authenticator, authKind string) (*Engine, error) {
	e := &Engine{Provider: p, BaseURL: strings.TrimRight(cfg.BaseURL, "/"), BatchSize: cfg.BatchSize,
		Concurrency: cfg.Concurrency, Logger: cfg.Logger, onProgress: cfg.OnProgress, authKind: authKind}
	if e.BaseURL == "" {
		e.BaseURL = p.BaseURL
	}
	if err := transport.CheckBaseURL(e.BaseURL, cfg.AllowHTTP); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	switch {
	case e.BatchSize < 0:
		return nil, fmt.Errorf("%s: batch size %d: must be positive", p.Name, e.BatchSize)
	case e.BatchSize == 0 || p.MaxBatchSize == 0:
		e.BatchSize = max(p.BatchSize, 1)
	case e.BatchSize > p.MaxBatchSize:
		return nil, fmt.Errorf("%s: batch size %d exceeds the maximum of %d items per request", p.Name, e.BatchSize, p.MaxBatchSize)
	}
	switch {
	case e.Concurrency < 0 || e.Concurrency > MaxConcurrency:
		return nil, fmt.Errorf("%s: concurrency %d: must be between 1 and %d", p.Name, e.Concurrency, MaxConcurrency)
	case e.Concurrency == 0:
		e.Concurrency = p.Concurrency
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	// The credentials as they travel: a server that echoes a header in its
	// error text must not get them printed.
	for _, s := range []string{cfg.Token.Reveal(), cfg.Password.Reveal(), cfg.ClientSecret.Reveal(),
		basicValue(cfg.Username.Reveal(), cfg.Password.Reveal())} {
		if len(s) >= 4 {
			e.secrets = append(e.secrets, s)
		}
	}
	t := transport.New(nil, auth)
	t.Origin = transport.OriginOf(e.BaseURL)
	t.Request = cfg.Request
	t.UserAgent = cfg.UserAgent
	if t.UserAgent == "" {
		t.UserAgent = "billbridge/" + Version
	}
	t.Logger = e.Logger
	limit, burst := p.RateLimit, p.RateBurst
	if cfg.RateLimit != nil {
		limit, burst = *cfg.RateLimit, cfg.RateBurst
	}
	if limit != rate.Inf && limit > 0 {
		t.Limiter = rate.NewLimiter(limit, max(burst, 1))
	}
	client := transport.NewHTTPClient(e.Concurrency)
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient // never modify the caller's client
		client = &c
	}
	t.Base = client.Transport
	if t.Base == nil {
		t.Base = http.DefaultTransport
	}
	client.Transport = t
	// An API client has no reason to follow a redirect: following one would
	// re-send the body (and, for a 301/302, turn a save into a GET whose
	// answer looks like success). The 3xx comes back and Call refuses it.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.HTTPClient, e.Transport = client, t
	return e, nil
}

// Context returns ctx carrying a call's request options, and the call's
// stop switch (transport.Halt): once the provider refuses the call's
// credentials, its requests not yet sent are not sent (see Call). Every
// facade method starts its call here; a call nested in another shares the
// outer call's switch.
func (e *Engine) Context(ctx context.Context, opts []config.RequestOption) context.Context {
	ctx, _ = transport.WithHalt(ctx)
	if len(opts) == 0 {
		return ctx
	}
	return transport.WithRequest(ctx, (&config.Request{}).Apply(opts...))
}

// BatchOptions are the batch engine's options for this client; size is the
// number of items per chunk.
func (e *Engine) BatchOptions(size int) batch.Options {
	return batch.Options{ChunkSize: size, Concurrency: e.Concurrency, OnProgress: e.onProgress}
}

// Counts returns the HTTP attempts that reached the wire so far (their
// bytes were written: retries included, refused connections not) and the
// retries among them.
func (e *Engine) Counts() (requests, retries int64) { return e.Transport.Counts() }

// String describes the client without its credentials.
func (e *Engine) String() string {
	return fmt.Sprintf("%s.Client{BaseURL: %s, Auth: %s, BatchSize: %d, Concurrency: %d}",
		e.Provider.Name, transport.RedactURL(e.BaseURL), e.authKind, e.BatchSize, e.Concurrency)
}

// Call is one request of a facade.
type Call struct {
	// Op is the spec's operationId.
	Op string
	// Unsafe marks a request that may create something: it is repeated
	// only when the provider surely did not act on it, and a failure after
	// it may have acted is an unknown outcome.
	Unsafe bool
	// Send sends the request through the generated client with ctx.
	Send func(ctx context.Context) (*http.Response, error)
	// Decode, when set, decodes a 2xx body (see Call); the transport then
	// does not scan the body for valid JSON first.
	Decode func(body []byte) error
	// Delete marks an idempotent delete of one entity: a 404 answered to a
	// retry after an earlier attempt that may have acted (no answer, a
	// 5xx) is that attempt's success whose answer was lost, not an error
	// (Answer.Gone). A 404 to the first attempt stays ErrNotFound. Leave it
	// unset where acting twice answers 2xx again (Meteroid's archive): a
	// 404 there means the entity never was.
	Delete bool
}

// Answer is a response, read.
type Answer struct {
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Header is the response's header (nil when no answer arrived).
	Header http.Header
	// Body is the whole body.
	Body []byte
	// Attempts counts the attempts the request took.
	Attempts int
	// RequestID is the provider's id of this answer (transport.RequestID
	// of its header), "" when no answer arrived or it named none.
	RequestID string
	// Gone reports a Call.Delete whose retry found the entity absent after
	// an earlier attempt may have deleted it: a success (Status 404).
	Gone bool
}

// OK reports a 2xx answer.
func (a *Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Call sends c and classifies its outcome (see the package comment). The
// answer is never nil: it carries the attempts also when err is set, and the
// status and body of an error answer (Tight's per-item errors, say).
//
// With c.Decode set, a 2xx body is decoded here: one that does not decode
// (cut, corrupted) is sent again when the call is safe, as a dropped
// connection would be, within the retry budget; for an unsafe call it is an
// unknown outcome (Undecodable).
func (e *Engine) Call(ctx context.Context, c Call) (*Answer, error) {
	if c.Decode == nil {
		return e.call(ctx, c)
	}
	ctx = transport.DecodedByCaller(ctx)
	retries := e.Transport.RequestOf(ctx).Policy(e.Transport.Retry).MaxRetries
	attempts := 0
	for try := 0; ; try++ {
		ans, err := e.call(ctx, c)
		attempts += ans.Attempts
		ans.Attempts = attempts
		if err != nil || !ans.OK() {
			return ans, err
		}
		derr := c.Decode(ans.Body)
		if derr == nil {
			return ans, nil
		}
		if c.Unsafe || try >= retries || ctx.Err() != nil {
			return ans, e.Undecodable(c, ans, derr)
		}
		e.Logger.DebugContext(ctx, "billbridge: answer does not decode, sending again", "operation", c.Op, "error", derr.Error())
	}
}

// call is one Call without decoding. A refusal of the credentials stops the
// call's other requests (transport.Halt): see Context.
func (e *Engine) call(ctx context.Context, c Call) (*Answer, error) {
	ctx, tr := transport.WithTrace(ctx)
	if !c.Unsafe {
		ctx = transport.Idempotent(ctx)
	}
	resp, err := c.Send(ctx)
	ans := &Answer{Attempts: tr.Attempts}
	if err != nil {
		ae := e.noAnswer(c, tr, err)
		e.haltOnAuth(ctx, ae)
		return ans, ae
	}
	ans.Status, ans.Header, ans.Body = resp.StatusCode, resp.Header, readBody(resp)
	ans.RequestID = transport.RequestID(resp.Header)
	// A batch call's item learns the request id of the answer that
	// decided it (see batch.Each).
	batch.NoteAnswer(ctx, ans.Status, ans.RequestID)
	if ans.OK() {
		return ans, nil
	}
	if c.Delete && ans.Status == http.StatusNotFound && tr.MaybeActed {
		// tr.MaybeActed was set by an earlier attempt (a 404 does not set
		// it): that attempt may have deleted the entity and lost its
		// answer. The entity is gone either way, as the delete asked.
		ans.Gone = true
		return ans, nil
	}
	ae := e.errorAnswer(c, ans)
	e.haltOnAuth(ctx, ae)
	return ans, ae
}

// haltOnAuth stops ctx's call when ae is a refusal of the credentials: the
// call's later requests would be refused the same way.
func (e *Engine) haltOnAuth(ctx context.Context, ae *billbridge.APIError) {
	var halted *transport.HaltedError
	if errors.Is(ae, billbridge.ErrUnauthorized) && !errors.As(ae, &halted) {
		transport.HaltOf(ctx).Stop(ae)
	}
}

// readBody takes the body the transport buffered, without a copy.
func readBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	if b, ok := resp.Body.(interface{ Bytes() []byte }); ok {
		return b.Bytes()
	}
	// Not through our transport (cannot happen for the facades' clients):
	// read it under the transport's default cap.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	return data
}

// noAnswer classifies a request that got no usable answer.
func (e *Engine) noAnswer(c Call, tr *transport.Trace, err error) *billbridge.APIError {
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats method and URL; the operation says as much.
		err = ue.Err
	}
	ae := &billbridge.APIError{Provider: e.Provider.Name, Operation: c.Op}
	var refused *billbridge.APIError
	var halted *transport.HaltedError
	switch {
	case errors.As(err, &halted) && !tr.MaybeActed:
		// An earlier request of this call was refused its credentials:
		// this one was not sent. It wraps the refusal, so that errors.Is
		// finds ErrUnauthorized and errors.As the refusal's APIError.
		ae.Message, ae.Retryable = "request not sent: an earlier request of this call was refused its credentials", true
		ae.Err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, halted.Cause)
		return ae
	case errors.As(err, &halted) && c.Unsafe:
		// Stopped before its retry, after an attempt that may have acted.
		ae.Message = "no answer after the request was sent; not sent again: an earlier request of this call was refused its credentials"
		ae.Err = fmt.Errorf("%w: %w", billbridge.ErrOutcomeUnknown, halted.Cause)
		return ae
	case errors.As(err, &halted):
		ae.Message, ae.Retryable = "no answer; not sent again: an earlier request of this call was refused its credentials", true
		ae.Err = halted.Cause
		return ae
	case !tr.MaybeActed:
		// No attempt could have acted: never written, refused locally, no
		// token, or answered only with 429s before the context ended.
		ae.Message, ae.Retryable = "request not sent", true
		ae.Err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, err)
		if errors.As(err, &refused) {
			// The token request failed: it is the error, and this
			// request was never sent.
			tok := *refused
			tok.Provider = e.Provider.Name
			if tok.Err == nil {
				tok.Err = billbridge.ErrNotSent
			} else {
				tok.Err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, tok.Err)
			}
			ae = &tok
		}
	case c.Unsafe:
		ae.Message = "no answer after the request was sent"
		ae.Err = err
		if !errors.Is(err, billbridge.ErrOutcomeUnknown) {
			ae.Err = fmt.Errorf("%w: %w", billbridge.ErrOutcomeUnknown, err)
		}
	default:
		// A safe request: sending it again is harmless.
		ae.Message, ae.Retryable, ae.Err = "no answer", true, err
	}
	ae.Message = e.redact(ae.Message)
	return ae
}

// errorAnswer classifies a non-2xx answer.
func (e *Engine) errorAnswer(c Call, ans *Answer) *billbridge.APIError {
	ae := &billbridge.APIError{Provider: e.Provider.Name, Operation: c.Op, StatusCode: ans.Status,
		RequestID: ans.RequestID, Retryable: transport.RetryableStatus(ans.Status)}
	if ans.Status >= 300 && ans.Status < 400 {
		// Never followed (see New): say where it pointed, without the query.
		where := "no Location"
		if u, err := url.Parse(ans.Header.Get("Location")); err == nil && u.String() != "" {
			where = "Location " + transport.RedactURL((&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
		}
		ae.Message = fmt.Sprintf("redirect refused (%s): an API client does not follow redirects; check the base URL", where)
		return ae
	}
	if e.Provider.DecodeError != nil {
		eb := e.Provider.DecodeError(ans.Status, ans.Header, ans.Body)
		ae.Code, ae.Message, ae.Param = eb.Code, strings.TrimSpace(eb.Message), eb.Param
		if ae.RequestID == "" {
			ae.RequestID = eb.RequestID
		}
	}
	if ae.Message == "" {
		ct := ans.Header.Get("Content-Type")
		if ct == "" {
			ct = "none"
		}
		// The body itself is not quoted: it is not the provider's, may be
		// large, and is never useful beyond its kind.
		ae.Message = fmt.Sprintf("%s (not a %s answer: Content-Type %s, %d bytes)", http.StatusText(ans.Status), e.Provider.Name, ct, len(ans.Body))
	}
	ae.Message = e.redact(ae.Message)
	switch {
	case ans.Status == http.StatusTooManyRequests:
		// Still rate-limited after every retry: the provider did not act.
		ae.Err = billbridge.ErrNotSent
	case c.Unsafe && (ans.Status >= 500 || ans.Status == http.StatusRequestTimeout):
		// A create is not repeated after a 5xx: the provider may have
		// acted before failing.
		e.Unknown(ae, nil)
	case ans.Status == http.StatusNotFound:
		ae.Err = billbridge.ErrNotFound
	case ans.Status == http.StatusUnauthorized || ans.Status == http.StatusForbidden:
		// The transport refreshed a stale token already: the credentials
		// themselves are refused (wrong, revoked, or lacking the scope).
		ae.Err = billbridge.ErrUnauthorized
	}
	return ae
}

// Undecodable is the error of a 2xx answer whose body the facade cannot
// read: the provider acted, so for an unsafe call the outcome is unknown.
func (e *Engine) Undecodable(c Call, ans *Answer, cause error) *billbridge.APIError {
	ae := &billbridge.APIError{Provider: e.Provider.Name, Operation: c.Op, StatusCode: ans.Status,
		RequestID: transport.RequestID(ans.Header), Message: "cannot read the answer", Retryable: !c.Unsafe, Err: cause}
	if c.Unsafe {
		e.Unknown(ae, cause)
	}
	return ae
}

// Refused is the error of one item that the provider refused inside a batch
// answer (a Tight item, a ChargeOver sub-request).
func (e *Engine) Refused(op string, status int, code, message, param string) *billbridge.APIError {
	message = strings.TrimSpace(message)
	if message == "" {
		message = http.StatusText(status)
	}
	ae := &billbridge.APIError{Provider: e.Provider.Name, Operation: op, StatusCode: status, Code: code,
		Message: e.redact(message), Param: param, Retryable: transport.RetryableStatus(status)}
	switch status {
	case http.StatusTooManyRequests:
		ae.Err = billbridge.ErrNotSent
	case http.StatusNotFound:
		ae.Err = billbridge.ErrNotFound
	}
	return ae
}

// Unknown marks ae as an outcome that may or may not have taken effect, so
// that errors.Is(err, billbridge.ErrOutcomeUnknown) matches; cause is why,
// when not ae itself. It returns ae.
func (e *Engine) Unknown(ae *billbridge.APIError, cause error) *billbridge.APIError {
	ae.Retryable = false // sending it again could create a duplicate
	switch {
	case cause == nil:
		ae.Err = billbridge.ErrOutcomeUnknown
	case errors.Is(cause, billbridge.ErrOutcomeUnknown):
		ae.Err = cause
	default:
		ae.Err = fmt.Errorf("%w: %w", billbridge.ErrOutcomeUnknown, cause)
	}
	return ae
}

// ConflictStatus is the status a conflict error (billbridge.ErrConflict)
// carries: that of the answer that showed the conflict. A create refused
// because its key is in use (409, or ChargeOver's 400) showed it itself;
// after any other answer (a 5xx, none at all) it was the read-back that
// found the key holding other data, whose status is readBack. An earlier
// attempt's 503 never describes a conflict.
func ConflictStatus(create, readBack int) int {
	if create == http.StatusConflict || create == http.StatusBadRequest {
		return create
	}
	return readBack
}

// NotSent is the error of items a call never sent because ctx ended.
func (e *Engine) NotSent(op string, cause error) *billbridge.APIError {
	return &billbridge.APIError{Provider: e.Provider.Name, Operation: op, Message: "request not sent", Retryable: true,
		Err: fmt.Errorf("%w: %w", billbridge.ErrNotSent, cause)}
}

// basicValue is the base64 form HTTP Basic sends, or "" without a password.
func basicValue(user, password string) string {
	if password == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// redact removes the client's static credentials from a text the provider
// wrote (a server that echoes the Authorization header, say).
func (e *Engine) redact(s string) string {
	for _, secret := range e.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// Clone returns a copy of err when it is a *billbridge.APIError, else err:
// items that share one failure get one error value each, so that a caller
// changing one item's error does not change the others'.
func Clone(err error) error {
	if ae, ok := err.(*billbridge.APIError); ok {
		c := *ae
		return &c
	}
	return err
}
