// Package option holds the functional options of every billbridge client
// (tight.New, chargeover.New, meteroid.New) and of their calls: one set of
// names for the same knobs everywhere. Unset options take the provider's
// defaults, documented on each facade's New.
//
// An Option configures a client. A RequestOption configures requests: given
// to New it is the default of every call, given to one call (every facade
// method takes ...option.RequestOption) it applies to that call's requests
// only, on top of the client's. The compiler refuses a client-only option,
// such as WithBaseURL or a credential, on a call.
package option

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
)

// Option configures a client; pass it to a facade's New. It is an alias of
// the engine's own option type, so that the engine never imports this
// package; only the constructors of this package (and the facades' own, such
// as tight.WithCreateKey) make one.
type Option = config.Option

// RequestOption configures the requests of a client (given to New) or of one
// call (given to a facade method).
type RequestOption = config.RequestOption

// clientOption is an Option that only a client can take.
type clientOption = config.ClientFunc

// requestOption is a RequestOption: on a client it sets the request defaults.
type requestOption = config.RequestFunc

// Middleware wraps every attempt of a request, retries included. It may read
// or change the request, which does not carry the credentials yet (the
// client adds them after the middleware), and the response; it must call
// next to send the attempt, or return an error to stop it.
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext sends an attempt on behalf of a Middleware.
type MiddlewareNext func(*http.Request) (*http.Response, error)

// WithBaseURL points the client at another host: a fake, a self-hosted
// installation, Tight's production host. Plain http is accepted only on
// loopback unless WithAllowHTTP is given too.
func WithBaseURL(u string) Option { return clientOption(func(c *config.Client) { c.BaseURL = u }) }

// WithAllowHTTP accepts a plain http base URL off loopback (a TLS-terminating
// sidecar, say). Credentials then travel in clear text to that host.
func WithAllowHTTP() Option { return clientOption(func(c *config.Client) { c.AllowHTTP = true }) }

// WithHTTPClient sends requests through hc. Its Transport (or
// http.DefaultTransport) sends single attempts; the client wraps it with
// auth, retries and rate limits and never modifies hc itself.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption(func(c *config.Client) { c.HTTPClient = hc })
}

// WithRateLimit limits the client to perSecond requests per second with the
// given burst (minimum 1). perSecond <= 0 switches client-side limiting off.
func WithRateLimit(perSecond float64, burst int) Option {
	return clientOption(func(c *config.Client) {
		l := rate.Limit(perSecond)
		if perSecond <= 0 {
			l = rate.Inf
		}
		c.RateLimit, c.RateBurst = &l, burst
	})
}

// WithBatchSize sets the items per request where the provider batches.
func WithBatchSize(n int) Option { return clientOption(func(c *config.Client) { c.BatchSize = n }) }

// MaxConcurrency is the largest WithConcurrency a client accepts: more
// requests in flight than this only queue at the providers' rate limits and
// hold memory.
const MaxConcurrency = config.MaxConcurrency

// WithConcurrency sets the number of requests in flight, 1 to
// MaxConcurrency (New refuses other values).
func WithConcurrency(n int) Option {
	return clientOption(func(c *config.Client) { c.Concurrency = n })
}

// WithLogger receives debug lines about retries and batches (never
// credentials or bodies). Default: no logging.
func WithLogger(l *slog.Logger) Option { return clientOption(func(c *config.Client) { c.Logger = l }) }

// WithUserAgent replaces the User-Agent (default billbridge/<version>).
func WithUserAgent(ua string) Option {
	return clientOption(func(c *config.Client) { c.UserAgent = ua })
}

// WithProgress is called after each chunk of a batch call with the items
// done and failed so far, for progress bars. It must return quickly.
func WithProgress(f func(billbridge.Progress)) Option {
	return clientOption(func(c *config.Client) { c.OnProgress = f })
}

// WithToken authenticates with a static bearer token (Tight access token,
// Meteroid API key).
func WithToken(token string) Option {
	return clientOption(func(c *config.Client) { c.Token = config.Secret(token) })
}

// WithBasicAuth authenticates with HTTP Basic (ChargeOver: API username and
// private key).
func WithBasicAuth(username, password string) Option {
	return clientOption(func(c *config.Client) {
		c.Username, c.Password = config.Secret(username), config.Secret(password)
	})
}

// WithClientCredentials authenticates with the OAuth2 client-credentials flow
// (Tight): tokens are fetched, cached and refreshed by the client.
func WithClientCredentials(clientID, clientSecret string) Option {
	return clientOption(func(c *config.Client) {
		c.ClientID, c.ClientSecret = config.Secret(clientID), config.Secret(clientSecret)
	})
}

// WithRetryPolicy replaces the whole retry policy. Zero durations take the
// defaults of billbridge.DefaultRetryPolicy.
func WithRetryPolicy(p billbridge.RetryPolicy) RequestOption {
	return requestOption(func(r *config.Request) { r.Retry = &p })
}

// WithMaxRetries sets the number of retries after the first attempt (0: none).
func WithMaxRetries(n int) RequestOption {
	return requestOption(func(r *config.Request) { r.MaxRetries = &n })
}

// WithAttemptTimeout bounds each attempt, the reading of its answer included
// (default 60 s): a server that trickles its answer fails the attempt, which
// is then retried like a dropped connection.
func WithAttemptTimeout(d time.Duration) RequestOption {
	return requestOption(func(r *config.Request) { r.AttemptTimeout = d })
}

// WithTimeout bounds each request with all its attempts, backoffs and
// Retry-After waits (default: none beyond the context's deadline): a server
// that keeps answering slowly or asks for long waits cannot hold a request
// longer. A request that runs out of time ends like a cancelled one (not
// sent, or outcome unknown for a create that may have acted). For a bound on
// a whole batch call, give it a context with a deadline.
func WithTimeout(d time.Duration) RequestOption {
	return requestOption(func(r *config.Request) { r.Timeout = d })
}

// WithHeader adds a header to every attempt (a tracing header, say). It
// cannot replace the credentials the client sets.
func WithHeader(key, value string) RequestOption {
	return requestOption(func(r *config.Request) {
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Add(key, value)
	})
}

// WithMiddleware wraps every attempt with m; several middlewares run in the
// order given, the client's before the call's.
func WithMiddleware(m Middleware) RequestOption {
	return requestOption(func(r *config.Request) {
		r.Middleware = append(r.Middleware, func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
			return m(req, next)
		})
	})
}

// WithReadBackFirst asked a create call to read each keyed item back before
// sending it. Every keyed create now does so, in bulk (see WithMode), so
// the option changes nothing; it is kept so that code using it compiles.
func WithReadBackFirst() RequestOption {
	return requestOption(func(*config.Request) {})
}

// WithCreateKey sets the create key of each item of a create call, for
// providers that have no natural key of their own; "" leaves an item
// without one.
//
// Deprecated: use tight.WithCreateKey (customers) or
// tight.WithInvoiceCreateKey (invoices), which type the item; only Tight
// uses create keys. This function keeps working as before.
func WithCreateKey(key func(index int, item any) string) RequestOption {
	return requestOption(func(r *config.Request) { r.CreateKey = key })
}

// WithoutCreateKeys switches create keys off (Tight): creates whose outcome
// is unknown then stay unknown, since nothing can find them again.
func WithoutCreateKeys() RequestOption {
	return requestOption(func(r *config.Request) { r.NoCreateKeys = true })
}

// WithMode sets how keyed creates treat an entity that already holds an
// item's natural key (ChargeOver external_key, Meteroid alias, Tight's
// create key or key field): billbridge.ModeCreate (the default) reports it
// Unchanged when it holds the item's data and a Conflict otherwise;
// billbridge.ModeUpsert updates it; billbridge.ModePlan writes nothing and
// returns what an upsert would do.
func WithMode(m billbridge.Mode) RequestOption {
	return requestOption(func(r *config.Request) { r.Mode, r.ModeSet = m, true })
}

// WithExpectedItems tells a streaming keyed write how many items it will
// get, so that it can choose between walking the provider's pages into an
// index and looking keys up one request at a time (see the facades'
// create calls). Slices need no hint: their length is known.
func WithExpectedItems(n int) RequestOption {
	return requestOption(func(r *config.Request) { r.Expected = n })
}

// WithKeyField names the field of an item that is its natural key, for a
// provider without a unique field of its own (Tight): a "/" or "."
// separated path of the request's JSON ("email", "customData/crm_id").
// Keyed creates then look existing entities up by that field (see the
// facade's save call) instead of by a create key, so that a sync into an
// account that already holds customers finds them.
func WithKeyField(path string) RequestOption {
	path = strings.ReplaceAll(path, ".", "/")
	return requestOption(func(r *config.Request) { r.KeyField = path })
}
