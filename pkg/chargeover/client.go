package chargeover

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/facade"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Generated models, re-exported so that users need not import the generated
// package for everyday calls.
type (
	// CustomerCreate is the body of a customer create; only Company is required.
	CustomerCreate = chargeoverapi.CustomerCreate
	// Customer is a customer as ChargeOver returns it on a read.
	Customer = chargeoverapi.Customer
	// DeliveryMethod is how invoices are delivered ("email" or "print").
	DeliveryMethod = chargeoverapi.DeliveryMethod
)

// Delivery methods of CustomerCreate.InvoiceDelivery and DunningDelivery.
const (
	DeliveryEmail = chargeoverapi.DeliveryMethodEmail
	DeliveryPrint = chargeoverapi.DeliveryMethodPrint
)

// Provider is the name in every *transport.APIError of this package.
const Provider = "chargeover"

// Environment variables read by New when option.WithBasicAuth is not given.
const (
	EnvUsername = "CHARGEOVER_USERNAME"
	EnvPassword = "CHARGEOVER_PASSWORD"
)

// Defaults. ChargeOver documents neither a rate limit nor a concurrency
// limit, only that it answers 429 beyond one.
const (
	// MaxBatchSize is the most sub-requests ChargeOver's _bulk accepts; it is
	// also the default. A larger option.WithBatchSize is clamped to it.
	MaxBatchSize = 25
	// DefaultConcurrency is 2 _bulk calls in flight: every account is one
	// PHP host that also serves the account's own users, and 2 × 25 creates
	// in flight already outpace most imports; raise it if your account
	// takes more.
	DefaultConcurrency = 2
	// DefaultRateLimit is 5 requests per second (burst 5): far below where
	// 429s would be expected, and still up to 125 creates per second through
	// _bulk. 429s are retried with backoff in any case.
	DefaultRateLimit = 5
)

// Client creates and reads ChargeOver customers. It is safe for concurrent use.
type Client struct {
	// API is the generated client, for the operations the facade does not
	// wrap. It sends through the same authenticating, retrying http.Client.
	API *chargeoverapi.ClientWithResponses

	baseURL    string
	transport  *transport.Transport
	batchSize  int
	conc       int
	rounds     int
	logger     *slog.Logger
	onProgress func(batch.Progress)
	validator  *facade.Validator
}

// WithSite points the client at https://<name>.chargeover.com, the host of
// your ChargeOver account (a test account is another site name). New
// refuses a name that is not a DNS label (letters, digits and inner hyphens,
// at most 63 characters). Either WithSite or option.WithBaseURL is required.
func WithSite(name string) option.Option {
	return option.WithBaseURL("https://" + name + siteSuffix)
}

const siteSuffix = ".chargeover.com"

// New returns a client. It needs a host (WithSite or option.WithBaseURL;
// a base URL ending in /api/v3, as ChargeOver's documents write it, is
// accepted) and credentials (option.WithBasicAuth, else the environment
// variables CHARGEOVER_USERNAME and CHARGEOVER_PASSWORD).
//
// Defaults: batch size 25 (MaxBatchSize; larger sizes are clamped),
// concurrency 2, 5 requests per second, transport.DefaultRetryPolicy
// (5 retries, 0.5 s to 8 s backoff, Retry-After honoured up to 30 s).
func New(opts ...option.Option) (*Client, error) {
	s := option.Apply(opts...)
	if s.BaseURL == "" {
		return nil, fmt.Errorf("chargeover: no host given: use chargeover.WithSite(\"yoursite\") for https://yoursite.chargeover.com, or option.WithBaseURL")
	}
	if err := checkSite(s.BaseURL); err != nil {
		return nil, err
	}
	s.BaseURL = strings.TrimSuffix(strings.TrimRight(s.BaseURL, "/"), "/api/v3")
	if s.Username == "" && s.Password == "" {
		s.Username = transport.Secret(os.Getenv(EnvUsername))
		s.Password = transport.Secret(os.Getenv(EnvPassword))
		switch {
		case s.Username == "":
			return nil, fmt.Errorf("chargeover: no credentials: use option.WithBasicAuth(username, privateKey) or set %s and %s", EnvUsername, EnvPassword)
		case s.Password == "":
			return nil, fmt.Errorf("chargeover: %s is set but %s (the API private key) is empty", EnvUsername, EnvPassword)
		}
	}
	if s.Username == "" || s.Password == "" {
		return nil, fmt.Errorf("chargeover: option.WithBasicAuth needs both the API username and the private key")
	}
	b, err := facade.Build(s, facade.Defaults{
		Provider:    Provider,
		BatchSize:   MaxBatchSize,
		Concurrency: DefaultConcurrency,
		RateLimit:   rate.Limit(DefaultRateLimit),
		RateBurst:   DefaultRateLimit,
	}, transport.Basic{Username: s.Username, Password: s.Password})
	if err != nil {
		return nil, err
	}
	if b.BatchSize > MaxBatchSize {
		// _bulk refuses more than 25 sub-requests as a whole.
		b.Logger.Debug("chargeover: batch size clamped", "asked", b.BatchSize, "used", MaxBatchSize)
		b.BatchSize = MaxBatchSize
	}
	api, err := chargeoverapi.NewClientWithResponses(b.BaseURL, chargeoverapi.WithHTTPClient(b.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("chargeover: %w", err)
	}
	vs, err := loadValidators()
	if err != nil {
		return nil, err
	}
	v := vs[0]
	return &Client{
		API:        api,
		baseURL:    b.BaseURL,
		transport:  b.Transport,
		batchSize:  b.BatchSize,
		conc:       b.Concurrency,
		rounds:     max(b.Transport.Retry.MaxRetries, 1) + 1,
		logger:     b.Logger,
		onProgress: b.OnProgress,
		validator:  v,
	}, nil
}

// BaseURL returns the host the client talks to, such as
// https://mycompany.chargeover.com.
func (c *Client) BaseURL() string { return c.baseURL }

// BatchSize returns the sub-requests per _bulk call (at most 25).
func (c *Client) BatchSize() int { return c.batchSize }

// Counts returns the HTTP attempts sent so far and the retries among them.
func (c *Client) Counts() (requests, retries int64) { return c.transport.Counts() }

// checkSite refuses a WithSite name that is not a DNS label, so that a typo
// fails in New rather than as a confusing DNS or URL error later.
func checkSite(baseURL string) error {
	rest, ok := strings.CutPrefix(baseURL, "https://")
	if !ok {
		return nil
	}
	// Skip user information (https://user:password@site...): it is not
	// part of the site name, and must not be quoted in the error.
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	name, ok := strings.CutSuffix(strings.TrimRight(rest, "/"), siteSuffix)
	if ok && !validLabel(name) {
		return fmt.Errorf("chargeover: site name %q is not a DNS label (1-63 letters, digits or inner hyphens): give the subdomain of your account, as in mycompany for https://mycompany.chargeover.com", name)
	}
	return nil
}

func validLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// loadValidators parses the embedded spec once per process.
var loadValidators = facade.SpecValidators(Provider, chargeoverapi.GetSpec, "CustomerCreate")
