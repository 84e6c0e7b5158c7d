package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxBodyBytes bounds a delivery's body unless WithMaxBodyBytes says
// otherwise: 1 MiB, far above any documented payload.
const DefaultMaxBodyBytes = 1 << 20

// DefaultDedupeWindow is how long a processed delivery id is remembered
// unless WithDedupeWindow says otherwise. Providers retry for longer (Svix
// for about a day), so a retry after the window is processed again: keep
// the user's function idempotent, or give a Store with a longer window.
const DefaultDedupeWindow = 24 * time.Hour

// Option configures a Handler.
type Option func(*config)

type config struct {
	maxBody   int64
	window    time.Duration
	store     Store
	logger    *slog.Logger
	now       func() time.Time
	dupStatus int
}

// WithMaxBodyBytes bounds the body; a larger one is refused with 413 before
// it is verified. n <= 0 keeps the default (DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithDedupeWindow sets how long the default in-memory store remembers a
// processed delivery. Ignored when WithStore is given.
func WithDedupeWindow(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.window = d
		}
	}
}

// WithStore replaces the in-memory deduplication store, e.g. by one shared
// by every replica of the receiving service.
func WithStore(s Store) Option { return func(c *config) { c.store = s } }

// WithLogger sets the logger (default slog.Default()). The handler logs
// each refused or failed delivery with its provider, type, id and reason;
// it never logs a secret, a received credential or the body.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock timestamps are checked against (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithDuplicateStatus sets the status answered for a delivery already
// processed within the window (default 200). The function is not called
// either way. A 2xx is the default because a genuine retry (our earlier 200
// was lost on the way back) is indistinguishable from a replay, and a 4xx
// makes the provider retry it until it gives up and may disable the
// endpoint; answer e.g. 409 instead if you prefer replays to show.
func WithDuplicateStatus(code int) Option {
	return func(c *config) {
		if code >= 200 && code < 600 {
			c.dupStatus = code
		}
	}
}

// Handler is the http.Handler that receives one provider's webhooks. For each
// request it checks the method (POST) and content type (JSON, else 415),
// reads at most the configured number of bytes (else 413), verifies the
// delivery with its Provider (else 401 or 400), decodes it into an Event,
// drops a delivery already processed (see WithDuplicateStatus; one being
// processed concurrently answers 409 so it comes back later), and calls the
// Func registered for the event's type, or the fallback.
//
// It answers 200 only after the function returned nil; then the delivery
// counts as seen. A function that fails (or panics) gets a 500, the
// delivery is not marked as seen, and the provider's retry is processed
// again. An event with no function and no fallback is acknowledged with 200
// and logged, so that the provider does not retry what nobody will handle.
//
// Register functions with On and Fallback before serving; a Handler is safe
// for concurrent use.
type Handler struct {
	p   Provider
	cfg config

	mu       sync.RWMutex
	funcs    map[string]Func
	fallback Func
}

// NewHandler returns a Handler for provider p.
func NewHandler(p Provider, opts ...Option) *Handler {
	cfg := config{
		maxBody:   DefaultMaxBodyBytes,
		window:    DefaultDedupeWindow,
		logger:    slog.Default(),
		now:       time.Now,
		dupStatus: http.StatusOK,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.store == nil {
		cfg.store = NewMemoryStore(cfg.window)
	}
	return &Handler{p: p, cfg: cfg, funcs: map[string]Func{}}
}

// On registers fn for events of type typ (see Event.Type), replacing any
// function registered before for it. It returns h for chaining.
func (h *Handler) On(typ string, fn Func) *Handler {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.funcs[typ] = fn
	return h
}

// Fallback registers fn for every event type without a function of its own,
// including types the provider adds later. It returns h for chaining.
func (h *Handler) Fallback(fn Func) *Handler {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fallback = fn
	return h
}

func (h *Handler) lookup(typ string) Func {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if fn, ok := h.funcs[typ]; ok {
		return fn
	}
	return h.fallback
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, r, http.StatusMethodNotAllowed, Event{}, errors.New("webhook: method is not POST"))
		return
	}
	body, err := ReadBody(w, r, h.cfg.maxBody)
	if err != nil {
		h.answer(w, r, StatusOf(err), Event{}, err)
		return
	}
	status, ev, err := h.deliver(r.Context(), r.Header, body)
	h.answer(w, r, status, ev, err)
}

// Deliver runs a delivery given as raw parts (headers and body, e.g. kept
// in a queue or a dead-letter table) through the same steps as ServeHTTP
// after the body is read: verify, decode, dedupe, call. It returns the
// status ServeHTTP would answer and the error behind it, if any. Verifying
// uses the handler's clock, so a Meteroid delivery replayed after its
// tolerance is refused: store the decoded Event instead to process it later.
func (h *Handler) Deliver(ctx context.Context, header http.Header, body []byte) (int, error) {
	status, _, err := h.deliver(ctx, header, body)
	return status, err
}

func (h *Handler) deliver(ctx context.Context, header http.Header, body []byte) (int, Event, error) {
	if err := h.p.Verify(header, body, h.cfg.now()); err != nil {
		return StatusOf(err), Event{}, err
	}
	ev, err := h.p.Decode(header, body)
	if err != nil {
		return StatusOf(err), ev, err
	}
	claim, err := h.cfg.store.Claim(ctx, ev.ID, h.cfg.now())
	if err != nil {
		return http.StatusServiceUnavailable, ev, fmt.Errorf("webhook: dedupe store: %w", err)
	}
	switch claim {
	case Seen:
		return h.cfg.dupStatus, ev, nil
	case InFlight:
		return http.StatusConflict, ev, errors.New("webhook: the same delivery is being processed")
	}
	fn := h.lookup(ev.Type)
	if fn == nil {
		h.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "webhook: no function for event type; acknowledged",
			slog.String("provider", ev.Provider), slog.String("type", ev.Type), slog.String("id", ev.ID))
		return http.StatusOK, ev, h.cfg.store.Done(ctx, ev.ID, h.cfg.now())
	}
	if err := call(ctx, fn, ev); err != nil {
		// Not seen: the provider's retry must reach the function again.
		if rerr := h.cfg.store.Release(ctx, ev.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return http.StatusInternalServerError, ev, err
	}
	if err := h.cfg.store.Done(ctx, ev.ID, h.cfg.now()); err != nil {
		// Processed but not remembered: still a success for the provider;
		// a retry may reach the function again.
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "webhook: could not mark delivery as seen",
			slog.String("provider", ev.Provider), slog.String("id", ev.ID), slog.String("error", err.Error()))
	}
	return http.StatusOK, ev, nil
}

// call runs fn and turns a panic into an error, so that one bad event
// neither kills the server nor is marked as seen.
func call(ctx context.Context, fn Func, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("webhook: function panicked: %v", p)
		}
	}()
	return fn(ctx, ev)
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, status int, ev Event, err error) {
	if err != nil {
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		h.cfg.logger.LogAttrs(r.Context(), level, "webhook: delivery not accepted",
			slog.String("provider", h.p.Name()), slog.Int("status", status),
			slog.String("type", ev.Type), slog.String("id", ev.ID), slog.String("error", err.Error()))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	// A fixed text: the error's detail stays in the log, so nothing about
	// the verification leaks to the sender.
	_, _ = io.WriteString(w, http.StatusText(status)+"\n")
}

// ReadBody checks that r declares a JSON body and reads it, at most max
// bytes (max <= 0: DefaultMaxBodyBytes). It fails with ErrContentType or
// ErrTooLarge. w may be nil; when given, the server is told to close the
// connection after an oversized body.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, ErrContentType
	}
	if r.ContentLength > max {
		return nil, ErrTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the body: %v", ErrMalformed, err)
	}
	return body, nil
}

// VerifyRequest reads r's body (see ReadBody), verifies it with p at now and
// decodes it: the whole check without a Handler, for a router of your own.
func VerifyRequest(p Provider, r *http.Request, max int64, now time.Time) (Event, error) {
	body, err := ReadBody(nil, r, max)
	if err != nil {
		return Event{}, err
	}
	if err := p.Verify(r.Header, body, now); err != nil {
		return Event{}, err
	}
	return p.Decode(r.Header, body)
}
