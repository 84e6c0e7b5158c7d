package meteroid

import (
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/facade"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Provider is the name in every APIError this package returns.
const Provider = "meteroid"

// EnvAPIKey is the environment variable New reads the API key from when no
// option.WithToken is given.
const EnvAPIKey = "METEROID_API_KEY"

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
type Client struct {
	// API is the generated client over the same authenticating, retrying
	// http.Client, for the operations this facade does not wrap.
	API *meteroidapi.ClientWithResponses

	built    *facade.Built
	validate *facade.Validator
}

// New returns a client. The API key comes from option.WithToken, else from
// the METEROID_API_KEY environment variable; New fails when neither is set.
//
// Defaults: base URL DefaultBaseURL; concurrency DefaultConcurrency; client
// rate limit DefaultRateLimit requests per second; retries as
// transport.DefaultRetryPolicy. option.WithBatchSize has no effect: Meteroid
// has no batch endpoint, every item is its own PATCH.
func New(opts ...option.Option) (*Client, error) {
	s := option.Apply(opts...)
	if s.Token == "" {
		s.Token = transport.Secret(os.Getenv(EnvAPIKey))
	}
	if s.Token == "" {
		return nil, fmt.Errorf("meteroid: no API key: pass option.WithToken or set %s", EnvAPIKey)
	}
	b, err := facade.Build(s, facade.Defaults{
		Provider:    Provider,
		BaseURL:     DefaultBaseURL,
		BatchSize:   1,
		Concurrency: DefaultConcurrency,
		RateLimit:   rate.Limit(DefaultRateLimit),
		RateBurst:   DefaultRateLimit,
	}, transport.Bearer{Token: s.Token})
	if err != nil {
		return nil, err
	}
	vs, err := loadValidators()
	if err != nil {
		return nil, err
	}
	v := vs[0]
	api, err := meteroidapi.NewClientWithResponses(b.BaseURL, meteroidapi.WithHTTPClient(b.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("meteroid: %w", err)
	}
	return &Client{API: api, built: b, validate: v}, nil
}

// Counts returns the HTTP attempts sent so far and the retries among them.
func (c *Client) Counts() (requests, retries int64) { return c.built.Transport.Counts() }

// BaseURL returns the base URL the client sends to.
func (c *Client) BaseURL() string { return c.built.BaseURL }

func (c *Client) batchOptions() batch.Options {
	// ChunkSize 1: no batch endpoint, so one item is one request.
	return batch.Options{ChunkSize: 1, Concurrency: c.built.Concurrency, OnProgress: c.built.OnProgress}
}

func (c *Client) logger() *slog.Logger { return c.built.Logger }

// loadValidators parses the embedded spec once per process.
var loadValidators = facade.SpecValidators(Provider, meteroidapi.GetSpec, "CustomerPatch")
