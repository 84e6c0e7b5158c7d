package tight

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/facade"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Defaults of New. Each can be changed with the option named beside it.
const (
	// DefaultBaseURL is Tight's sandbox, the only host the documents publish
	// (option.WithBaseURL for production). Paths carry the /v6 prefix.
	DefaultBaseURL = "https://sandbox.tight.com"

	// DefaultBatchSize (option.WithBatchSize) is the number of items per
	// save request. Tight documents no maximum. The binding limit is the
	// request budget (1000 requests per 5 minutes): at 100 items a request
	// that budget moves about 100,000 items per 5 minutes, while a request
	// stays around 100 KB. Larger batches gain little and cost more when an
	// item is bad: a 400 that refuses the whole request is bisected, about
	// 2·log2(n) extra requests per bad item (14 for 100 items).
	DefaultBatchSize = 100

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

// provider is the Provider of every *transport.APIError of this package.
const provider = "tight"

// Generated models, re-exported so that callers need not import gen/tightapi.
type (
	// Customer is a saved customer as Tight returns it.
	Customer = tightapi.Customer
	// CustomerInput is a customer to save: with Id an update, without a create.
	CustomerInput = tightapi.CustomerInput
	// CustomerAddress is a customer's address as returned.
	CustomerAddress = tightapi.CustomerAddress
	// CustomerAddressInput is a customer's address as sent.
	CustomerAddressInput = tightapi.CustomerAddressInput
	// InvoiceSettings says how a customer appears on invoices.
	InvoiceSettings = tightapi.InvoiceSettings
	// CustomData is the free-form object every entity carries.
	CustomData = tightapi.CustomData
	// Invoice is a saved invoice as Tight returns it.
	Invoice = tightapi.Invoice
	// InvoiceInput is an invoice to save: with Id an update, without a create.
	InvoiceInput = tightapi.InvoiceInput
	// InvoiceCustomer is the customer of a returned invoice.
	InvoiceCustomer = tightapi.InvoiceCustomer
	// InvoiceTotals are an invoice's computed totals in minor units.
	InvoiceTotals = tightapi.InvoiceTotals
	// LineItem is an invoice line as returned.
	LineItem = tightapi.LineItem
	// LineItemInput is an invoice line as sent.
	LineItemInput = tightapi.LineItemInput
	// Discount is an invoice-level discount.
	Discount = tightapi.Discount
	// SalesTax is a sales tax on an invoice or a line.
	SalesTax = tightapi.SalesTax
	// Installment is a part payment of an invoice.
	Installment = tightapi.Installment
	// CollectionInfoInput holds an invoice's collection settings as sent.
	CollectionInfoInput = tightapi.CollectionInfoInput
	// CollectionInfo holds an invoice's collection settings as returned.
	CollectionInfo = tightapi.CollectionInfo
	// RecurrenceInput is an invoice's recurrence as sent.
	RecurrenceInput = tightapi.RecurrenceInput
	// Recurrence is an invoice's recurrence as returned.
	Recurrence = tightapi.Recurrence
	// Term is a payment term.
	Term = tightapi.Term
	// AdjustmentType says how a discount, tax or amount due is read.
	AdjustmentType = tightapi.AdjustmentType
	// Error is one entry of the error list of a Tight answer.
	Error = tightapi.Error
)

// The adjustment types (unknown values from the server are tolerated).
const (
	AdjustmentPercent = tightapi.PERCENT
	AdjustmentAmount  = tightapi.AMOUNT
)

// Client saves customers and invoices through Tight API v6. It is safe for
// concurrent use.
type Client struct {
	// API is the generated client for the operations this facade does not
	// wrap; it shares the Client's authentication, retries and rate limit.
	API *tightapi.ClientWithResponses

	baseURL     string
	authKind    string
	transport   *transport.Transport
	batchSize   int
	concurrency int
	logger      *slog.Logger
	onProgress  func(batch.Progress)

	customers *saver[CustomerInput, Customer]
	invoices  *saver[InvoiceInput, Invoice]
}

// New returns a client. Credentials come from option.WithToken (a static
// access token) or option.WithClientCredentials (the OAuth2
// client-credentials flow against <base URL>/v6/auth/token, tokens cached
// and refreshed); without either, from the environment: TIGHT_TOKEN, else
// TIGHT_CLIENT_ID and TIGHT_CLIENT_SECRET. A token given as an option wins
// over client credentials. Defaults: DefaultBaseURL, DefaultBatchSize,
// DefaultConcurrency, DefaultRateLimit/DefaultRateBurst, and the transport's
// DefaultRetryPolicy.
func New(opts ...option.Option) (*Client, error) {
	s := option.Apply(opts...)
	// The documents give the base URL as https://sandbox.tight.com/v6 while
	// the generated paths carry /v6 themselves: accept both spellings.
	s.BaseURL = strings.TrimSuffix(strings.TrimRight(s.BaseURL, "/"), "/v6")
	auth, kind, err := authenticator(s)
	if err != nil {
		return nil, err
	}
	b, err := facade.Build(s, facade.Defaults{
		Provider:    provider,
		BaseURL:     DefaultBaseURL,
		BatchSize:   DefaultBatchSize,
		Concurrency: DefaultConcurrency,
		RateLimit:   DefaultRateLimit,
		RateBurst:   DefaultRateBurst,
	}, auth)
	if err != nil {
		return nil, err
	}
	if cc, ok := auth.(*transport.ClientCredentials); ok {
		cc.TokenURL = b.BaseURL + TokenPath
		// Token requests retry like any other request, but must not carry
		// the bearer token they are fetching (Auth nil) nor wait on the
		// save requests' rate limit (Tight's limit is per access token).
		cc.HTTPClient = &http.Client{Transport: &transport.Transport{
			Base:      b.Transport.Base,
			Retry:     b.Transport.Retry,
			UserAgent: b.Transport.UserAgent,
			Logger:    b.Logger,
		}}
	}
	api, err := tightapi.NewClientWithResponses(b.BaseURL, tightapi.WithHTTPClient(b.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("tight: %w", err)
	}
	c := &Client{
		API:         api,
		baseURL:     b.BaseURL,
		authKind:    kind,
		transport:   b.Transport,
		batchSize:   b.BatchSize,
		concurrency: b.Concurrency,
		logger:      b.Logger,
		onProgress:  b.OnProgress,
	}
	if err := c.initSavers(); err != nil {
		return nil, err
	}
	return c, nil
}

// authenticator picks the credentials: options first, then the environment.
func authenticator(s *option.Settings) (transport.Authenticator, string, error) {
	token, id, secret := s.Token, s.ClientID, s.ClientSecret
	if token == "" && id == "" && secret == "" {
		token = transport.Secret(os.Getenv(EnvToken))
		if token == "" {
			id = transport.Secret(os.Getenv(EnvClientID))
			secret = transport.Secret(os.Getenv(EnvClientSecret))
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

// Counts returns the HTTP attempts sent so far and the retries among them
// (token requests not included).
func (c *Client) Counts() (requests, retries int64) { return c.transport.Counts() }

// String describes the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("tight.Client{BaseURL: %s, Auth: %s, BatchSize: %d, Concurrency: %d}",
		transport.RedactURL(c.baseURL), c.authKind, c.batchSize, c.concurrency)
}

// Format prints the String form for every verb, so that %+v or %#v cannot
// walk into the transport and its authenticator.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// options are the batch engine's options for this client.
func (c *Client) options() batch.Options {
	return batch.Options{ChunkSize: c.batchSize, Concurrency: c.concurrency, OnProgress: c.onProgress}
}
