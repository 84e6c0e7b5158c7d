package meteroid

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// Provider is the name in every *billbridge.APIError of this package.
const Provider = "meteroid"

// EnvAPIKey is the environment variable New reads the API key from when no
// option.WithToken is given.
const EnvAPIKey = "METEROID_API_KEY"

// EnvBaseURL is the environment variable New reads the base URL from when
// option.WithBaseURL is not given (or given empty), before falling back to
// DefaultBaseURL: a self-hosted installation can be named there.
const EnvBaseURL = "METEROID_BASE_URL"

// Defaults. Meteroid documents no rate limit and no concurrency limit, so
// these are chosen, not copied:
const (
	// DefaultBaseURL is Meteroid's hosted API; self-hosted installations
	// pass their own host with option.WithBaseURL.
	DefaultBaseURL = "https://api.meteroid.com"
	// DefaultConcurrency is the number of PATCH requests in flight. Eight
	// keeps a batch fast (latency, not bandwidth, bounds one PATCH) while
	// staying gentle with a small self-hosted installation, whose database
	// pool is typically about ten connections.
	DefaultConcurrency = 8
	// DefaultRateLimit is the client-side limit in requests per second
	// (burst the same). With no documented limit, 25/s is the conservative
	// figure common among billing APIs' sandbox tiers: a million-item batch
	// does not hammer the server, and a server that wants less still says
	// so with 429, which is retried. Raise it with option.WithRateLimit, or
	// switch it off with option.WithRateLimit(0, 0).
	DefaultRateLimit = 25
)

// Client updates and reads Meteroid customers. It is safe for concurrent use.
//
// Every facade's Client also has, written once in the engine: BaseURL()
// (the URL it sends to), Counts() (the requests that reached the wire and
// the retries among them), String() and Format (a printable form without
// credentials), and Do(ctx, method, path, body, out, opts...) (a raw
// request with the client's auth, retries and error types, for what the
// facade does not wrap).
type Client struct {
	// API is the generated client over the same authenticating, retrying
	// http.Client, for the operations this facade does not wrap.
	API *meteroidapi.ClientWithResponses

	// accessors gives BaseURL, Counts, String, Format and Do.
	accessors

	e *engine.Engine
	// keyedCreate is the keyed create of customers, built on first use.
	keyedCreate *engine.Keyed[CustomerCreate, Customer, Customer]
	keyedOnce   sync.Once
}

// New returns a client. The API key comes from option.WithToken, else from
// the METEROID_API_KEY environment variable; New fails when neither is set.
//
// The base URL is option.WithBaseURL, else the METEROID_BASE_URL
// environment variable, else DefaultBaseURL.
//
// Defaults: concurrency DefaultConcurrency; client rate limit
// DefaultRateLimit requests per second; retries as
// billbridge.DefaultRetryPolicy. option.WithBatchSize has no effect:
// Meteroid has no batch endpoint, every item is its own request.
func New(opts ...option.Option) (*Client, error) {
	cfg := engine.Configure(opts)
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv(EnvBaseURL)
	}
	if cfg.Token == "" {
		cfg.Token = config.Secret(os.Getenv(EnvAPIKey))
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("meteroid: no API key: pass option.WithToken or set %s", EnvAPIKey)
	}
	e, err := engine.New(engine.Provider{
		Name:        Provider,
		BaseURL:     DefaultBaseURL,
		BatchSize:   1,
		Concurrency: DefaultConcurrency,
		RateLimit:   rate.Limit(DefaultRateLimit),
		RateBurst:   DefaultRateLimit,
		DecodeError: decodeError,
	}, cfg, transport.Bearer{Token: cfg.Token}, "token")
	if err != nil {
		return nil, err
	}
	api, err := meteroidapi.NewClientWithResponses(e.BaseURL, meteroidapi.WithHTTPClient(e.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("meteroid: %w", err)
	}
	return &Client{API: api, accessors: engine.NewAccessors(e), e: e}, nil
}

// ValidateCustomer checks a customer create as every create does before
// sending: that it matches the spec's CustomerCreate schema (the four
// required fields present, a documented currency, ...). It returns a
// *billbridge.ValidationError (Index 0) naming the field, or nil.
//
// Every facade names its validators alike: ValidateCustomer checks the item
// of the customer create (or save) call, ValidateCustomerUpdate the item of
// the customer update call.
func ValidateCustomer(c CustomerCreate) error { return checkCreate(0, c) }

// ValidateCustomerUpdate checks an update as every patch does before
// sending: a non-empty IDOrAlias and a Patch that matches the spec's
// CustomerPatch schema. It returns a *billbridge.ValidationError (Index 0)
// naming the field, or nil.
func ValidateCustomerUpdate(u CustomerUpdate) error { return checkUpdate(0, u) }

// ValidateUpdate is the former name of ValidateCustomerUpdate.
//
// Deprecated: use ValidateCustomerUpdate, the name every facade gives the
// check of its customer update item.
func ValidateUpdate(u Update) error { return ValidateCustomerUpdate(u) }

// ValidateCreate is the former name of ValidateCustomer.
//
// Deprecated: use ValidateCustomer, the name every facade gives the check of
// its customer create item.
func ValidateCreate(c CustomerCreate) error { return ValidateCustomer(c) }

func checkCreate(index int, c CustomerCreate) error {
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[1].Check(index, c)
}

func checkUpdate(index int, u CustomerUpdate) error {
	if u.IDOrAlias == "" {
		return emptyID(index)
	}
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[0].Check(index, u.Patch)
}

// loadValidators reads the request schemas once per process, on first use
// (New does not): a client that only ingests events or reads never decodes
// them, which took 4 ms of a push's start on one core.
var loadValidators = validate.Schemas(Provider, schemas.Meteroid, "CustomerPatch", "CustomerCreate", "CustomerUpdateRequest")

// accessors are the methods every facade shares (engine.Accessors).
type accessors = engine.Accessors
