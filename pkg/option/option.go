// Package option holds the functional options every billbridge facade
// (tight.New, chargeover.New, meteroid.New) accepts, in the style of
// google.golang.org/api/option: one set of names for the same knobs
// everywhere. Unset options take the provider's defaults, documented on each
// facade's New.
package option

import (
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Option configures a facade client.
type Option func(*Settings)

// Settings is the result of applying options. Pointer fields are nil when
// unset, so that an explicit zero (no retries, say) differs from the
// default. Printing Settings never shows a credential.
type Settings struct {
	BaseURL     string                 // WithBaseURL; empty: the provider's default
	AllowHTTP   bool                   // WithAllowHTTP
	HTTPClient  *http.Client           // WithHTTPClient; nil: http.DefaultTransport
	Retry       *transport.RetryPolicy // WithRetryPolicy; nil: transport.DefaultRetryPolicy
	MaxRetries  *int                   // WithMaxRetries; overrides Retry.MaxRetries
	RateLimit   *rate.Limit            // WithRateLimit; rate.Inf switches client-side limiting off
	RateBurst   int                    // WithRateLimit's burst
	BatchSize   int                    // WithBatchSize; 0: the provider's default
	Concurrency int                    // WithConcurrency; 0: the provider's default
	Logger      *slog.Logger           // WithLogger; nil: no logging
	UserAgent   string                 // WithUserAgent; empty: billbridge/<version>
	OnProgress  func(batch.Progress)   // WithProgress

	Token        transport.Secret // WithToken
	Username     transport.Secret // WithBasicAuth
	Password     transport.Secret // WithBasicAuth
	ClientID     transport.Secret // WithClientCredentials
	ClientSecret transport.Secret // WithClientCredentials
}

// Apply applies opts to a fresh Settings.
func Apply(opts ...Option) *Settings {
	s := &Settings{}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// String shows the settings without credentials (a password in BaseURL
// included). Its receiver is a value so that printing a Settings, not only a
// *Settings, goes through it.
func (s Settings) String() string {
	return fmt.Sprintf("Settings{BaseURL: %q, AllowHTTP: %t, BatchSize: %d, Concurrency: %d, Token: %s, Username: %s, Password: %s, ClientID: %s, ClientSecret: %s}",
		transport.RedactURL(s.BaseURL), s.AllowHTTP, s.BatchSize, s.Concurrency, s.Token, s.Username, s.Password, s.ClientID, s.ClientSecret)
}

// GoString keeps %#v from printing the BaseURL's password.
func (s Settings) GoString() string { return "option." + s.String() }

// WithBaseURL points the client at another host: a fake, a self-hosted
// installation, Tight's production host. Plain http is accepted only on
// loopback unless WithAllowHTTP is given too.
func WithBaseURL(u string) Option { return func(s *Settings) { s.BaseURL = u } }

// WithAllowHTTP accepts a plain http base URL off loopback (a TLS-terminating
// sidecar, say). Credentials then travel in clear text to that host.
func WithAllowHTTP() Option { return func(s *Settings) { s.AllowHTTP = true } }

// WithHTTPClient sends requests through c. Its Transport (or
// http.DefaultTransport) sends single attempts; the facade wraps it with
// auth, retries and rate limits and never modifies c itself.
func WithHTTPClient(c *http.Client) Option { return func(s *Settings) { s.HTTPClient = c } }

// WithRetryPolicy replaces the whole retry policy.
func WithRetryPolicy(p transport.RetryPolicy) Option { return func(s *Settings) { s.Retry = &p } }

// WithMaxRetries sets the number of retries after the first attempt (0: none).
func WithMaxRetries(n int) Option { return func(s *Settings) { s.MaxRetries = &n } }

// WithRateLimit limits the client to perSecond requests per second with the
// given burst (minimum 1). perSecond <= 0 switches client-side limiting off.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Settings) {
		l := rate.Limit(perSecond)
		if perSecond <= 0 {
			l = rate.Inf
		}
		s.RateLimit, s.RateBurst = &l, burst
	}
}

// WithBatchSize sets the items per request where the provider batches.
func WithBatchSize(n int) Option { return func(s *Settings) { s.BatchSize = n } }

// WithConcurrency sets the number of requests in flight.
func WithConcurrency(n int) Option { return func(s *Settings) { s.Concurrency = n } }

// WithLogger receives debug lines about retries and batches (never
// credentials or bodies). Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(s *Settings) { s.Logger = l } }

// WithUserAgent replaces the User-Agent (default billbridge/<version>).
func WithUserAgent(ua string) Option { return func(s *Settings) { s.UserAgent = ua } }

// WithProgress is called after each chunk of a batch call with the items
// done and failed so far, for progress bars.
func WithProgress(f func(batch.Progress)) Option { return func(s *Settings) { s.OnProgress = f } }

// WithToken authenticates with a static bearer token (Tight access token,
// Meteroid API key).
func WithToken(token string) Option { return func(s *Settings) { s.Token = transport.Secret(token) } }

// WithBasicAuth authenticates with HTTP Basic (ChargeOver: API username and
// private key).
func WithBasicAuth(username, password string) Option {
	return func(s *Settings) {
		s.Username, s.Password = transport.Secret(username), transport.Secret(password)
	}
}

// WithClientCredentials authenticates with the OAuth2 client-credentials flow
// (Tight): tokens are fetched, cached and refreshed by the client.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(s *Settings) {
		s.ClientID, s.ClientSecret = transport.Secret(clientID), transport.Secret(clientSecret)
	}
}
