package tight

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// Provider is the name in every *billbridge.APIError of this package.
const Provider = "tight"

// Defaults of New. Each can be changed with the option named beside it.
const (
	// DefaultBaseURL is Tight's sandbox, the only host the documents' pages
	// publish (option.WithBaseURL or TIGHT_BASE_URL for production, e.g.
	// ProductionBaseURL). Paths carry
	// the /v6 prefix; a base URL ending in /v6, as the documents write it,
	// is accepted too.
	DefaultBaseURL = "https://sandbox.tight.com"

	// ProductionBaseURL is the production host the OpenAPI embedded in
	// Tight's documentation pages names (the spec's second server; the
	// pages themselves publish only the sandbox). It is never a default:
	// pass it with option.WithBaseURL or TIGHT_BASE_URL. Credentials go
	// only to the one base URL configured: the token is fetched from
	// <base URL>/v6/auth/token, never from the spec's tokenUrl, and no
	// redirect is followed to another host.
	ProductionBaseURL = "https://prod.tight.com"

	// DefaultBatchSize (option.WithBatchSize) is the number of items per
	// save request. Tight documents no maximum; the binding limit is the
	// request budget of 1000 requests per 5 minutes per token, so items per
	// second at the rate limit are items per request × 3.3: 500 items a
	// request move 1,650 items a second (100 moved 330), while a request
	// stays around 500 KB. The cost is in refusals: a 400 that refuses the
	// whole request is bisected, about 2·log2(n) extra requests per bad
	// item (18 at 500), and a 413 halves the request and lowers the size
	// for the rest of the run.
	DefaultBatchSize = 500

	// MaxBatchSize is the largest option.WithBatchSize New accepts: Tight
	// documents no maximum, and a request of 1,000 items (about 1 MB) is
	// already past what a bisected refusal should have to resend.
	MaxBatchSize = 1000

	// DefaultConcurrency (option.WithConcurrency) is the number of requests
	// in flight. The rate limit allows only 3.3 requests per second, so more
	// than a few in flight would only queue at the limiter.
	DefaultConcurrency = 4

	// DefaultRateLimit and DefaultRateBurst (option.WithRateLimit) keep the
	// client under Tight's 1000 requests per 5 minutes per access token. A
	// token bucket of rate r and burst b lets at most b + r·T requests
	// through in any window of length T, so 990/300 s with a burst of 10
	// admits at most 10 + 990 = 1000 in any 5-minute window, whatever the
	// window's alignment. Every attempt, retries included, waits on it. The
	// bucket is per Client: clients sharing a token must share the budget
	// (give each a lower limit).
	DefaultRateLimit = rate.Limit(990.0 / 300.0)
	DefaultRateBurst = 10

	// TokenPath is where client credentials are exchanged for an access
	// token, relative to the base URL.
	TokenPath = "/v6/auth/token"
)

// Environment variables read by New when no credential option is given.
const (
	EnvToken        = "TIGHT_TOKEN"
	EnvClientID     = "TIGHT_CLIENT_ID"
	EnvClientSecret = "TIGHT_CLIENT_SECRET"
)

// EnvBaseURL is the environment variable New reads the base URL from when
// option.WithBaseURL is not given (or given empty), before falling back to
// DefaultBaseURL.
const EnvBaseURL = "TIGHT_BASE_URL"

// Client saves customers, invoices and payments through Tight API v6. It is safe for
// concurrent use.
//
// Every facade's Client also has, written once in the engine: BaseURL()
// (the URL it sends to), Counts() (the requests that reached the wire and
// the retries among them), String() and Format (a printable form without
// credentials), and Do(ctx, method, path, body, out, opts...) (a raw
// request with the client's auth, retries and error types, for what the
// facade does not wrap).
type Client struct {
	// API is the generated client, for the operations this facade does not
	// wrap; it shares the Client's authentication, retries and rate limit.
	API *tightapi.ClientWithResponses

	// accessors gives BaseURL, Counts, String, Format and Do.
	accessors

	e         *engine.Engine
	customers *saver[CustomerInput, Customer]
	invoices  *saver[InvoiceInput, Invoice]
	payments  *saver[PaymentInput, Payment]
	templates *saver[ItemTemplateInput, ItemTemplate]
}

// New returns a client. Credentials come from option.WithToken (a static
// access token) or option.WithClientCredentials (the OAuth2
// client-credentials flow against <base URL>/v6/auth/token, tokens cached
// and refreshed); without either, from the environment: TIGHT_TOKEN, else
// TIGHT_CLIENT_ID and TIGHT_CLIENT_SECRET. A token given as an option wins
// over client credentials. The base URL is option.WithBaseURL, else
// TIGHT_BASE_URL, else DefaultBaseURL (with or without /v6 either way).
// Defaults: DefaultBatchSize (at most MaxBatchSize), DefaultConcurrency,
// DefaultRateLimit/DefaultRateBurst, and billbridge.DefaultRetryPolicy.
func New(opts ...option.Option) (*Client, error) {
	cfg := engine.Configure(opts)
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv(EnvBaseURL)
	}
	// The documents give the base URL as https://sandbox.tight.com/v6; accept
	// it with or without /v6 (the generated client gets the /v6 added back).
	cfg.BaseURL = strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/v6")
	auth, kind, err := authenticator(cfg)
	if err != nil {
		return nil, err
	}
	e, err := engine.New(engine.Provider{
		Name:         Provider,
		BaseURL:      DefaultBaseURL,
		BatchSize:    DefaultBatchSize,
		MaxBatchSize: MaxBatchSize,
		Concurrency:  DefaultConcurrency,
		RateLimit:    DefaultRateLimit,
		RateBurst:    DefaultRateBurst,
		DecodeError:  decodeError,
	}, cfg, auth, kind)
	if err != nil {
		return nil, err
	}
	if cc, ok := auth.(*transport.ClientCredentials); ok {
		cc.TokenURL = e.BaseURL + TokenPath
		// Token requests retry like any other request, but must not carry
		// the bearer token they are fetching (Auth nil) nor wait on the
		// save requests' rate limit (Tight's limit is per access token).
		cc.HTTPClient = &http.Client{
			Transport: &transport.Transport{
				Base:      e.Transport.Base,
				Origin:    e.Transport.Origin,
				Retry:     tokenPolicy(cfg.Request.Policy(e.Transport.Retry)),
				UserAgent: e.Transport.UserAgent,
				Logger:    e.Logger,
			},
			CheckRedirect: e.HTTPClient.CheckRedirect,
		}
	}
	// The spec's server URL carries /v6 (the generated paths start after it).
	api, err := tightapi.NewClientWithResponses(e.BaseURL+"/v6", tightapi.WithHTTPClient(e.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("tight: %w", err)
	}
	c := &Client{API: api, accessors: engine.NewAccessors(e), e: e}
	c.initSavers()
	return c, nil
}

// TokenRetries bounds the retries of a token request. A token fetch runs
// inside a save's attempt; with the save's own budget (5 retries) each
// failing save would cost 36 token requests. The shared failure (see
// transport.FailureTTL) then ends the waiting chunks' items as not sent.
const TokenRetries = 2

// tokenPolicy is the save policy cut down to the token fetch's budget.
func tokenPolicy(p billbridge.RetryPolicy) billbridge.RetryPolicy {
	p.MaxRetries = min(p.MaxRetries, TokenRetries)
	p.MaxBackoff = min(p.MaxBackoff, 2*time.Second)
	return p
}

// authenticator picks the credentials: options first, then the environment.
func authenticator(cfg *config.Client) (transport.Authenticator, string, error) {
	token, id, secret := cfg.Token, cfg.ClientID, cfg.ClientSecret
	if token == "" && id == "" && secret == "" {
		token = config.Secret(os.Getenv(EnvToken))
		if token == "" {
			id = config.Secret(os.Getenv(EnvClientID))
			secret = config.Secret(os.Getenv(EnvClientSecret))
		}
	}
	switch {
	case token != "":
		return transport.Bearer{Token: token}, "token", nil
	case id != "" && secret != "":
		return &transport.ClientCredentials{
			ClientID:     id,
			ClientSecret: secret,
			StaleCodes:   []string{"EXPIRED_TOKEN", "INVALID_TOKEN"},
		}, "client credentials", nil
	case id != "":
		return nil, "", errors.New("tight: client secret missing: pass option.WithClientCredentials or set " + EnvClientSecret)
	case secret != "":
		return nil, "", errors.New("tight: client id missing: pass option.WithClientCredentials or set " + EnvClientID)
	}
	return nil, "", fmt.Errorf("tight: no credentials: pass option.WithToken or option.WithClientCredentials, or set %s, or %s and %s",
		EnvToken, EnvClientID, EnvClientSecret)
}

// ValidateCustomer checks a customer against the spec's CustomerInput schema,
// as every save does before sending. It returns a *billbridge.ValidationError
// (Index 0) naming the field, or nil.
//
// Every facade names its validators alike: ValidateCustomer checks the item
// of the customer create (or save) call, ValidateCustomerUpdate the item of
// a separate update call. Tight saves creates and updates through one call
// and one shape (CustomerInput), so ValidateCustomer checks both.
func ValidateCustomer(in CustomerInput) error { return check(schemaCustomer, 0, in) }

// ValidateInvoice checks an invoice against the spec's InvoiceInput schema.
func ValidateInvoice(in InvoiceInput) error { return check(schemaInvoice, 0, in) }

// ValidatePayment checks a payment against the spec's PaymentInput schema.
func ValidatePayment(in PaymentInput) error { return check(schemaPayment, 0, in) }

// ValidateItemTemplate checks an item template against the spec's
// ItemTemplateInput schema.
func ValidateItemTemplate(in ItemTemplateInput) error { return check(schemaItemTemplate, 0, in) }

// check validates v with validator i of loadValidators.
func check(i, index int, v any) error {
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[i].Check(index, v)
}

// The request schemas of loadValidators, by index.
const (
	schemaCustomer = iota
	schemaInvoice
	schemaPayment
	schemaItemTemplate
)

// loadValidators reads the request schemas once per process, on first use
// (New does not): a client that only reads never decodes them.
var loadValidators = validate.Schemas(Provider, schemas.Tight, "CustomerInput", "InvoiceInput", "PaymentInput", "ItemTemplateInput")

// accessors are the methods every facade shares (engine.Accessors).
type accessors = engine.Accessors
