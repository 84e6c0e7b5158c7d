package chargeover

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// Provider is the name in every *billbridge.APIError of this package.
const Provider = "chargeover"

// Environment variables read by New when option.WithBasicAuth is not given.
const (
	EnvUsername = "CHARGEOVER_USERNAME"
	EnvPassword = "CHARGEOVER_PASSWORD"
)

// EnvBaseURL is the environment variable New reads the host from when
// neither WithSite nor option.WithBaseURL is given (or is given empty), as
// in https://mycompany.chargeover.com. ChargeOver has no default host.
const EnvBaseURL = "CHARGEOVER_BASE_URL"

// Defaults. ChargeOver documents neither a rate limit nor a concurrency
// limit, only that it answers 429 beyond one.
const (
	// MaxBatchSize is the most sub-requests ChargeOver's _bulk accepts; it is
	// also the default. New refuses a larger option.WithBatchSize: _bulk
	// refuses more than 25 sub-requests as a whole.
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
//
// Every facade's Client also has, written once in the engine: BaseURL()
// (the URL it sends to), Counts() (the requests that reached the wire and
// the retries among them), String() and Format (a printable form without
// credentials), and Do(ctx, method, path, body, out, opts...) (a raw
// request with the client's auth, retries and error types, for what the
// facade does not wrap).
type Client struct {
	// API is the generated client, for the operations the facade does not
	// wrap. It sends through the same authenticating, retrying http.Client.
	API *chargeoverapi.ClientWithResponses

	// accessors gives BaseURL, Counts, String, Format and Do.
	accessors

	e      *engine.Engine
	rounds int
	// keyedCreate is the keyed create of customers, built on first use.
	keyedCreate *engine.Keyed[CustomerCreate, Customer, int64]
	keyedOnce   sync.Once
}

// WithSite points the client at https://<name>.chargeover.com, the host of
// your ChargeOver account (a test account is another site name). New
// refuses a name that CheckSite refuses. Either WithSite or
// option.WithBaseURL is required.
func WithSite(name string) option.Option {
	return option.WithBaseURL("https://" + name + siteSuffix)
}

const siteSuffix = ".chargeover.com"

// CheckSite reports whether name can be a ChargeOver site name, the
// subdomain of https://<name>.chargeover.com: a DNS label of 1 to 63
// letters, digits and inner hyphens.
func CheckSite(name string) error {
	if validLabel(name) {
		return nil
	}
	return fmt.Errorf("chargeover: site name %q is not a DNS label (1-63 letters, digits or inner hyphens): give the subdomain of your account, as in mycompany for https://mycompany.chargeover.com", name)
}

// New returns a client. It needs a host (WithSite or option.WithBaseURL,
// else the environment variable CHARGEOVER_BASE_URL; a base URL ending in
// /api/v3, as ChargeOver's documents write it, is accepted) and credentials
// (option.WithBasicAuth, else the environment variables CHARGEOVER_USERNAME
// and CHARGEOVER_PASSWORD).
//
// Defaults: batch size 25 (MaxBatchSize, also the largest accepted),
// concurrency 2, 5 requests per second, billbridge.DefaultRetryPolicy
// (5 retries, 0.5 s to 8 s backoff, Retry-After honoured up to 30 s).
func New(opts ...option.Option) (*Client, error) {
	cfg := engine.Configure(opts)
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv(EnvBaseURL)
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("chargeover: no host given: use chargeover.WithSite(\"yoursite\") for https://yoursite.chargeover.com, or option.WithBaseURL, or set %s", EnvBaseURL)
	}
	if err := checkSite(cfg.BaseURL); err != nil {
		return nil, err
	}
	cfg.BaseURL = strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/api/v3")
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username = config.Secret(os.Getenv(EnvUsername))
		cfg.Password = config.Secret(os.Getenv(EnvPassword))
		switch {
		case cfg.Username == "":
			return nil, fmt.Errorf("chargeover: no credentials: use option.WithBasicAuth(username, privateKey) or set %s and %s", EnvUsername, EnvPassword)
		case cfg.Password == "":
			return nil, fmt.Errorf("chargeover: %s is set but %s (the API private key) is empty", EnvUsername, EnvPassword)
		}
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, fmt.Errorf("chargeover: option.WithBasicAuth needs both the API username and the private key")
	}
	e, err := engine.New(engine.Provider{
		Name:         Provider,
		BatchSize:    MaxBatchSize,
		MaxBatchSize: MaxBatchSize,
		Concurrency:  DefaultConcurrency,
		RateLimit:    rate.Limit(DefaultRateLimit),
		RateBurst:    DefaultRateLimit,
		DecodeError:  decodeError,
	}, cfg, transport.Basic{Username: cfg.Username, Password: cfg.Password}, "basic")
	if err != nil {
		return nil, err
	}
	api, err := chargeoverapi.NewClientWithResponses(e.BaseURL, chargeoverapi.WithHTTPClient(e.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("chargeover: %w", err)
	}
	return &Client{API: api, accessors: engine.NewAccessors(e), e: e, rounds: max(e.Transport.Retry.MaxRetries, 1) + 1}, nil
}

// ValidateCustomer checks a customer create against the spec's
// CustomerCreate schema, as every create does before sending. It returns a
// *billbridge.ValidationError (Index 0) naming the field, or nil.
//
// Every facade names its validators alike: ValidateCustomer checks the item
// of the customer create (or save) call, ValidateCustomerUpdate the item of
// the customer update call.
func ValidateCustomer(in CustomerCreate) error { return check(0, in) }

// ValidateCustomerUpdate checks an update as every UpdateCustomers does
// before sending: an ID of at least 1 and changes that match the spec's
// CustomerUpdate schema. It returns a *billbridge.ValidationError (Index 0)
// naming the field, or nil.
func ValidateCustomerUpdate(u CustomerUpdate) error { return checkUpdate(0, u) }

func check(index int, in CustomerCreate) error {
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[0].Check(index, in)
}

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
	if name, ok := strings.CutSuffix(strings.TrimRight(rest, "/"), siteSuffix); ok {
		return CheckSite(name)
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

// loadValidators reads the request schemas once per process, on first use
// (New does not): a client that only reads never decodes them.
var loadValidators = validate.Schemas(Provider, schemas.ChargeOver, "CustomerCreate", "CustomerUpdate")

// accessors are the methods every facade shares (engine.Accessors).
type accessors = engine.Accessors
