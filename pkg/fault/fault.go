// Package fault injects the failures real provider traffic shows into an
// http.Handler: latency, error statuses, 429 with and without Retry-After, a
// per-credential rate limit, dropped connections (before and after the
// handler acted), slow bodies, truncated JSON and HTML error pages of a
// proxy. The fakes in pkg/*/…test wrap their handlers with it.
//
// Every decision is drawn from one seeded generator, so a run with the same
// Config and the same request order injects the same faults. Config is a
// plain value so a command line can map flags onto it.
package fault

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Kind names one injected fault. Responses carrying a fault have the header
// Header set to their Kind, so tests and logs can tell them from real ones.
type Kind string

// The faults the injector can produce.
const (
	None           Kind = ""
	Status500      Kind = "500"
	Status502      Kind = "502"
	Status503      Kind = "503"
	Status504      Kind = "504"
	TooMany        Kind = "429"             // 429 without Retry-After
	TooManyAfter   Kind = "429-retry-after" // 429 with Retry-After: Config.RetryAfter
	RateLimited    Kind = "rate-limit"      // 429 from the per-credential token bucket
	DropBefore     Kind = "drop-before"     // connection closed before the handler runs
	DropAfter      Kind = "drop-after"      // handler runs, then the connection is closed unanswered
	Slow           Kind = "slow"            // the body trickles out over Config.SlowBody
	TruncatedJSON  Kind = "truncated-json"  // a 200-like response whose JSON is cut in half
	HTMLErrorPage  Kind = "html"            // 502 with an HTML page, as a proxy sends
	Status500After Kind = "500-after"       // handler runs (the server acted), then a 500 replaces its answer
)

// Header is the response header that names an injected fault.
const Header = "X-Billbridge-Fault"

// Broken reports whether a fault of kind k produces a response that is not
// valid against the spec on purpose (so response validation skips it).
func (k Kind) Broken() bool {
	switch k {
	case DropBefore, DropAfter, TruncatedJSON, HTMLErrorPage:
		return true
	}
	return false
}

// Limit is a token bucket: Requests per Per, with a burst of Burst (Requests
// when zero).
type Limit struct {
	Requests int           // requests allowed per period
	Per      time.Duration // the period
	Burst    int           // the bucket's size; 0 means Requests
}

// TightLimit is Tight's documented limit: 1000 requests per 5 minutes per
// access token.
var TightLimit = Limit{Requests: 1000, Per: 5 * time.Minute}

// Config says which faults to inject and how often. The zero value injects
// nothing. Rates are probabilities in [0, 1], drawn per request in order.
type Config struct {
	// Seed makes the draws repeatable; 0 is a valid seed.
	Seed uint64
	// Latency delays every response; Jitter adds a uniform random delay in
	// [0, Jitter).
	Latency, Jitter time.Duration
	// FromArrival makes Latency a response time: a request without a fault
	// is handled at once and its answer leaves Latency after the request
	// arrived, the fake's own work included, as a real server's response
	// time is. Without it the handler runs after Latency, which adds the
	// fake's work on top (and a request cancelled during the delay is never
	// acted on). Benchmarks that compare a client with the latency bound
	// use it, so that the fake's request checks on a busy core do not count
	// against every client alike.
	FromArrival bool
	// Rates maps a fault to the share of requests that get it.
	Rates map[Kind]float64
	// Sequence forces the faults of the first len(Sequence) requests, in
	// order, before Rates apply (None lets a request through): tests use it
	// to script exact scenarios.
	Sequence []Kind
	// RetryAfter is the Retry-After sent with TooManyAfter and with
	// RateLimited answers (rounded up to whole seconds); zero sends none for
	// RateLimited and one second for TooManyAfter.
	RetryAfter time.Duration
	// RateLimit, when non-nil, limits each credential (the Authorization
	// header) with a token bucket and answers 429 beyond it.
	RateLimit *Limit
	// SlowBody is how long a Slow response takes to send its body
	// (default 2s).
	SlowBody time.Duration
	// Skip, when set, exempts requests from every fault (the token endpoint
	// in some tests, say).
	Skip func(*http.Request) bool
}

// RenderFunc writes the provider's own error response for an injected status
// (500, 502, 503, 504, 429), so clients meet the bodies they meet in
// production.
type RenderFunc func(w http.ResponseWriter, r *http.Request, status int)

// Injector wraps handlers with the faults of one Config.
type Injector struct {
	cfg    Config
	render RenderFunc

	mu       sync.Mutex
	rng      *rand.Rand
	n        int
	limiters map[string]*rate.Limiter
	counts   map[Kind]int
}

// New returns an injector for cfg that renders status faults with render
// (nil renders a plain-text body with the status text).
func New(cfg Config, render RenderFunc) *Injector {
	if cfg.SlowBody == 0 {
		cfg.SlowBody = 2 * time.Second
	}
	if render == nil {
		render = func(w http.ResponseWriter, _ *http.Request, status int) {
			http.Error(w, http.StatusText(status), status)
		}
	}
	return &Injector{
		cfg:      cfg,
		render:   render,
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0x6269_6c6c)),
		limiters: map[string]*rate.Limiter{},
		counts:   map[Kind]int{},
	}
}

// Counts returns how many times each fault was injected so far.
func (in *Injector) Counts() map[Kind]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make(map[Kind]int, len(in.counts))
	for k, v := range in.counts {
		out[k] = v
	}
	return out
}

// kinds in a fixed order, so that draws do not depend on map iteration.
var kinds = []Kind{Status500, Status502, Status503, Status504, TooMany, TooManyAfter, DropBefore, DropAfter, Slow, TruncatedJSON, HTMLErrorPage, Status500After}

// Kinds returns every Kind that Config.Rates draws, in the fixed order of the
// draws: all of them but None and RateLimited (which comes from
// Config.RateLimit). A command line maps names onto it, so
// a new kind added here is offered there without another edit.
func Kinds() []Kind { return slices.Clone(kinds) }

// AfterActing reports whether the handler runs, so the server acts, before a
// fault of kind k takes its answer away: the faults a client can only resolve
// by reading back.
func (k Kind) AfterActing() bool {
	switch k {
	case DropAfter, Status500After, TruncatedJSON:
		return true
	}
	return false
}

// draw decides the fault and the delay of the next request.
func (in *Injector) draw(r *http.Request) (Kind, time.Duration, time.Duration) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delay := in.cfg.Latency
	if in.cfg.Jitter > 0 {
		delay += time.Duration(in.rng.Int64N(int64(in.cfg.Jitter)))
	}
	n := in.n
	in.n++
	kind := None
	if n < len(in.cfg.Sequence) {
		kind = in.cfg.Sequence[n]
	} else if len(in.cfg.Rates) > 0 {
		x := in.rng.Float64()
		for _, k := range kinds {
			p := in.cfg.Rates[k]
			if x < p {
				kind = k
				break
			}
			x -= p
		}
	}
	var wait time.Duration
	if kind == None && in.cfg.RateLimit != nil {
		if ok, after := in.allow(r.Header.Get("Authorization")); !ok {
			kind, wait = RateLimited, after
		}
	}
	if kind != None {
		in.counts[kind]++
	}
	return kind, delay, wait
}

// allow takes a token from the credential's bucket; it returns false and the
// time until the next token when the bucket is empty.
func (in *Injector) allow(key string) (bool, time.Duration) {
	l := in.limiters[key]
	if l == nil {
		lim := in.cfg.RateLimit
		burst := lim.Burst
		if burst <= 0 {
			burst = lim.Requests
		}
		l = rate.NewLimiter(rate.Limit(float64(lim.Requests)/lim.Per.Seconds()), burst)
		in.limiters[key] = l
	}
	now := time.Now()
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

type observerKey struct{}

// WithObserver returns a context under which Wrap reports the fault it chose
// for the request (None included) before acting on it. A server that logs
// its requests uses it so that a dropped connection is in its log before the
// client sees the connection drop.
func WithObserver(ctx context.Context, observe func(Kind)) context.Context {
	return context.WithValue(ctx, observerKey{}, observe)
}

// Wrap returns next with faults injected in front of it.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.cfg.Skip != nil && in.cfg.Skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		arrived := time.Now()
		kind, delay, wait := in.draw(r)
		if in.cfg.FromArrival && kind == None && delay > 0 {
			if observe, ok := r.Context().Value(observerKey{}).(func(Kind)); ok {
				observe(kind)
			}
			held := &heldAnswer{ResponseWriter: w, ctx: r.Context(), until: arrived.Add(delay)}
			next.ServeHTTP(held, r)
			held.release()
			return
		}
		if !sleep(r.Context(), delay) {
			return
		}
		if kind != None {
			w.Header().Set(Header, string(kind))
		}
		if observe, ok := r.Context().Value(observerKey{}).(func(Kind)); ok {
			observe(kind)
		}
		switch kind {
		case None:
			next.ServeHTTP(w, r)
		case Status500, Status502, Status503, Status504:
			status, _ := strconv.Atoi(string(kind))
			in.render(w, r, status)
		case TooMany:
			in.render(w, r, http.StatusTooManyRequests)
		case TooManyAfter:
			after := in.cfg.RetryAfter
			if after <= 0 {
				after = time.Second
			}
			w.Header().Set("Retry-After", seconds(after))
			in.render(w, r, http.StatusTooManyRequests)
		case RateLimited:
			if in.cfg.RetryAfter > 0 {
				w.Header().Set("Retry-After", seconds(max(wait, in.cfg.RetryAfter)))
			}
			in.render(w, r, http.StatusTooManyRequests)
		case DropBefore:
			hangUp(w)
		case DropAfter:
			next.ServeHTTP(&discard{header: http.Header{}}, r)
			hangUp(w)
		case Status500After:
			// The handler's effect stays, its answer is lost: the case a
			// client cannot tell from a 500 before acting.
			next.ServeHTTP(&discard{header: http.Header{}}, r)
			in.render(w, r, http.StatusInternalServerError)
		case Slow:
			rec := &buffer{header: w.Header()}
			next.ServeHTTP(rec, r)
			w.WriteHeader(rec.statusOr200())
			trickle(r.Context(), w, rec.body.Bytes(), in.cfg.SlowBody)
		case TruncatedJSON:
			rec := &buffer{header: w.Header()}
			next.ServeHTTP(rec, r)
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.statusOr200())
			b := rec.body.Bytes()
			_, _ = w.Write(b[:len(b)/2])
		case HTMLErrorPage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(htmlPage))
		}
	})
}

const htmlPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func seconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

// heldAnswer holds a handler's answer until a time (FromArrival): the
// status and the first heldBytes of the body wait in memory, and a larger
// body, or a Flush, waits for the time and then streams.
type heldAnswer struct {
	http.ResponseWriter
	ctx      context.Context
	until    time.Time
	status   int
	body     []byte
	released bool
}

const heldBytes = 1 << 20

func (h *heldAnswer) WriteHeader(status int) {
	if h.released {
		h.ResponseWriter.WriteHeader(status)
		return
	}
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldAnswer) Write(b []byte) (int, error) {
	if h.released {
		return h.ResponseWriter.Write(b)
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.body = append(h.body, b...)
	if len(h.body) >= heldBytes {
		h.release()
	}
	return len(b), nil
}

// Flush releases the answer (after the wait) and flushes it.
func (h *heldAnswer) Flush() {
	h.release()
	_ = http.NewResponseController(h.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (h *heldAnswer) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// release waits until the answer's time, then writes what was held.
func (h *heldAnswer) release() {
	if h.released {
		return
	}
	h.released = true
	if !sleepUntil(h.ctx, h.until) {
		return
	}
	if h.status != 0 {
		h.ResponseWriter.WriteHeader(h.status)
	}
	if len(h.body) > 0 {
		_, _ = h.ResponseWriter.Write(h.body)
	}
	h.body = nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hangUp closes the client's connection without a response.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hijack; aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// trickle writes body in small pieces spread over total.
func trickle(ctx context.Context, w http.ResponseWriter, body []byte, total time.Duration) {
	const pieces = 10
	step := (len(body) + pieces - 1) / pieces
	if step == 0 {
		step = 1
	}
	rc := http.NewResponseController(w)
	for len(body) > 0 {
		if !sleep(ctx, total/pieces) {
			return
		}
		n := min(step, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		_ = rc.Flush()
		body = body[n:]
	}
}

type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header { return b.header }
func (b *buffer) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}
func (b *buffer) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *buffer) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// String describes the config in one line (for the fake command's banner).
func (c Config) String() string {
	s := fmt.Sprintf("latency=%s jitter=%s seed=%d", c.Latency, c.Jitter, c.Seed)
	for _, k := range kinds {
		if p := c.Rates[k]; p > 0 {
			s += fmt.Sprintf(" %s=%.3g", k, p)
		}
	}
	if c.RateLimit != nil {
		s += fmt.Sprintf(" limit=%d/%s", c.RateLimit.Requests, c.RateLimit.Per)
	}
	return s
}
