// Package tighttest runs an in-process fake of the Tight API v6 (token
// endpoint, batch saves of customers and invoices) for tests, in the style of
// net/http/httptest:
//
//	srv := tighttest.NewTestServer(t)          // closed by t.Cleanup
//	c, _ := tight.New(srv.ClientOptions()...)  // the facade, on srv.Token
//	// or the generated client:
//	c, _ := tightapi.NewClientWithResponses(srv.URL+"/v6", ...)
//	// authenticate with srv.Token, or get a token from POST /v6/auth/token
//	// with HTTP Basic srv.ClientID:srv.ClientSecret
//
// The fake runs in package fake's frame: every request is recorded
// (Requests, Count), may get an injected fault (Config.Faults), has its
// credentials checked and is validated against specs/tight.yaml before the
// handler runs; NewTestServer also validates every response against the spec
// and reports a mismatch with t.Errorf.
//
// # Authentication
//
// POST /v6/auth/token takes a form-encoded body and HTTP Basic client
// credentials (Config.ClientID/ClientSecret; wrong or missing: 401
// INVALID_TOKEN). Only grant_type=client_credentials (the default) is served;
// authorization_code and refresh_token get 400 INVALID_VALUE with param
// grant_type. A token lives Config.TokenLifetime (default 1h) on the clock
// Config.Now; scope defaults to write. The saves take "Authorization: Bearer
// <token>": an unknown token gets 401 INVALID_TOKEN, an expired one 401
// EXPIRED_TOKEN (ExpireTokens expires every issued token at once), a token of
// scope read gets 403. Config.Token is a static token that never expires.
//
// Every error body is Tight's envelope: {"result":"FAILURE","data":null,
// "error":[{"type","message","param"}]}. Injected 429s and 5xx use type
// UNKNOWN_ERROR.
//
// # Saves
//
// POST /v6/customers and POST /v6/invoicing/invoices upsert by id: an item
// with the id of a stored entity updates it (top-level fields present in the
// item replace the stored ones, absent fields are kept), an item with an
// unknown id is created under that id, an item without id is created under a
// new id (cus_<n>, inv_<n>; invoice lines and installments without id get
// ili_<n> and istl_<n>). Items are checked in input order by the fake's own
// rules, on the merged entity:
//
//   - customers: name required and non-empty (REQUIRED, param name); email,
//     when present, must look like an address (INVALID_FORMAT, param email);
//   - invoices: customerId required (REQUIRED) and naming a stored customer
//     (INVALID_VALUE, param customerId); line quantity/price and discount and
//     sales tax values must be decimals (INVALID_FORMAT, param such as
//     lineItems/0/price).
//
// The answer holds one result per item in input order. A saved item has
// result SUCCESS, statusCode 200 (for creates and updates alike, as the
// document shows), the saved entity in the response shape and an empty error
// list (the UNKNOWN_ERROR placeholder of the document's examples is not
// reproduced). A refused item has result FAILURE, statusCode 400, its errors
// and no data. The request answers 200 with result SUCCESS when every item was
// saved, and 207 with result FAILURE when any item failed (also when all
// failed); the items that passed are saved in both cases.
//
// With Config.RejectWholeBatch (WithRejectWholeBatch) the fake simulates the
// strict mode some accounts see: a batch holding any invalid item is refused
// whole with 400, its errors naming the offending items as param
// "data/<i>/<field>", and nothing of it is saved.
//
// Response shapes: a customer gains address.countryCode "USA"; an invoice
// returns customer {id, name, email} from the stored customer instead of
// customerId, glAccount {id} instead of a line's glAccountId, computed totals,
// and collectionInfo.paymentUrl.
//
// # Reads, queries, deletes and sends
//
// GET /v6/customers/{id} answers {result, data} with the customer, its
// createdDateTime (the fake's clock at creation, whole seconds) and its
// class segments (Server.SetClassSegments; the save request cannot set
// them). DELETE /v6/customers/{id} and DELETE /v6/invoicing/invoices/{id}
// remove the entity and answer it as it was (a deleted customer's invoices
// stay, naming its id). An unknown id gets 404 with the error envelope
// (INVALID_VALUE, param id). POST /v6/invoicing/invoices/{id}/send counts one
// e-mail per accepted request (Server.Sends), answers the invoice with
// collectionInfo.emailStatus SENT and emailSentDatetime (with
// Config.EmailInProgress: QUEUED and no emailSentDatetime, an e-mail still
// in progress), takes type INVOICE
// (also when absent) or QUOTE (else 400 INVALID_VALUE, param type), and
// refuses an invoice whose customer has no e-mail (400 REQUIRED, param
// email). Deletes and sends need scope write (403 otherwise); reads take
// any token.
//
// POST /v6/customers/query and POST /v6/invoicing/invoices/query answer a
// page of at most limit entities (default DefaultQueryLimit; the spec's 1 to
// 250, else 400) with cursor {after, before}: after is null on the last
// page, before on the first. Without sort the order is the order of
// creation; sort.orderBy NAME (case ignored) or CREATED_DATE_TIME, with
// direction ASC or DESC, ties broken by creation (other values: 400). A
// cursor is opaque (base64 JSON) and holds the sort key of the last entity
// of its page (keyset paging), so entities created or deleted between pages
// never make a walk repeat an entity or skip one that existed through it; a
// cursor is bound to the filter and sort of its query (another query's
// cursor gets 400, param cursor). Filters combine with AND: string filters
// (equal, notEqual, greaterThan, greaterThanEqual, lessThan, lessThanEqual,
// contain) ignore case; status filters take in/notIn and the comparisons on
// exact values; classSegments.id.in matches a top-level segment (with
// expand, any segment down the child chain); invoiceStatus in/notIn; search
// matches, ignoring case, a substring of the invoice's name, notes, number,
// or its customer's name or e-mail. sort.value is ignored.
//
// # Payments, item templates and the invoicing setup
//
// POST /v6/payments upserts payments as the other saves (new ids ptxn_<n>,
// children tli_<n>); a payment needs date and amount (REQUIRED), its
// customerId must name a stored customer and each children[].invoiceId a
// stored invoice (INVALID_VALUE, param such as children/0/invoiceId). A
// child naming an invoice adds its amount to the invoice's paidAmount
// (balance = total − paidAmount); updating the payment moves the amounts,
// DELETE /v6/payments/{id} takes them back. Answers turn the …Id fields
// into objects ({id}, the customer with its name and e-mail). POST
// /v6/payments/query pages like the other queries (orderBy DISPLAY_NAME
// sorts by the description; a bankTransaction filter matches nothing, the
// fake holding no bank transactions). POST /v6/invoicing/itemTemplates
// upserts templates (tili_<n>, name REQUIRED), DELETE removes one, and GET
// /v6/invoicing/setup answers the defaults of a user who never set
// invoicing up until Server.SetInvoicingSetup replaces them.
//
// # Invoice totals
//
// All totals are integer minor units (cents), computed exactly with
// math/big.Rat and rounded half away from zero ("half-up") to whole cents at
// each step:
//
//   - a line's amount is taken as sent; when absent it is quantity (default 1)
//     × price (default 0), price being in minor units as the spec says;
//   - subtotal = sum of line amounts;
//   - discount: PERCENT takes value % of the subtotal; AMOUNT takes value in
//     major currency units (× 100), the unit the spec reads into the
//     AmountDue.value it refers Discount.value to; a missing type is PERCENT;
//     discountedTotal = subtotal − discount;
//   - sales tax (invoice level; line-level salesTax is stored and echoed but
//     not added, since the document's example would otherwise count the
//     8.875 % twice): PERCENT of discountedTotal when
//     discount.calculateBeforeSalesTax is true (or there is no discount), of
//     subtotal otherwise; AMOUNT as for discounts;
//   - total = subtotal − discount + tax; paidAmount the sum of the payment
//     children naming the invoice (kept across updates); balance = total −
//     paidAmount.
//
// The document's example (subtotal 10000, 5 % before 8.875 % tax) gives
// discountedTotal 9500, salesTax 843, total 10343.
package tighttest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// Config configures a fake. It holds plain values so that a command line can
// map flags onto it; zero fields get defaults.
type Config struct {
	// Addr is the listen address (default "127.0.0.1:0", a free loopback port).
	Addr string
	// Faults are injected in front of the fake.
	Faults fault.Config
	// CheckResponse is called with an error for every response that does not
	// match the spec (nil: responses are not checked, except by NewTestServer).
	CheckResponse func(error)

	// ClientID and ClientSecret are the client credentials the token endpoint
	// accepts (defaults "test-client" and a random secret).
	ClientID, ClientSecret string
	// Token is a static access token that never expires (default random).
	Token string
	// TokenLifetime is the lifetime of issued tokens (default 1h).
	TokenLifetime time.Duration
	// Now is the fake's clock (default time.Now): token expiry, the times
	// it records (createdDateTime, emailSentDatetime) and the Date header
	// of its answers.
	Now func() time.Time
	// RejectWholeBatch refuses a batch holding any invalid item with 400 and
	// saves none of it (a simulation of the strict mode some accounts see).
	RejectWholeBatch bool
	// EmailInProgress makes a sent invoice answer collectionInfo.emailStatus
	// QUEUED and no emailSentDatetime (the e-mail still in progress) instead
	// of SENT with the time.
	EmailInProgress bool
	// Webhooks, when its URL is set, makes the fake send a webhook for
	// every change of its state (see WithWebhooks).
	Webhooks fake.WebhookConfig
}

// Option changes the Config of a fake.
type Option func(*Config)

// WithConfig replaces the whole Config (options after it still apply).
func WithConfig(c Config) Option { return func(cfg *Config) { *cfg = c } }

// WithFaults sets the faults to inject.
func WithFaults(f fault.Config) Option { return func(c *Config) { c.Faults = f } }

// WithCheckResponse sets the function that receives responses not matching
// the spec.
func WithCheckResponse(f func(error)) Option { return func(c *Config) { c.CheckResponse = f } }

// WithClientCredentials sets the client id and secret the token endpoint
// accepts.
func WithClientCredentials(id, secret string) Option {
	return func(c *Config) { c.ClientID, c.ClientSecret = id, secret }
}

// WithToken sets the static access token that never expires.
func WithToken(token string) Option { return func(c *Config) { c.Token = token } }

// WithTokenLifetime sets the lifetime of issued tokens.
func WithTokenLifetime(d time.Duration) Option { return func(c *Config) { c.TokenLifetime = d } }

// WithClock sets the clock used for token expiry.
func WithClock(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// WithRejectWholeBatch makes a batch with any invalid item fail whole with
// 400, saving nothing (see Config.RejectWholeBatch).
func WithRejectWholeBatch() Option { return func(c *Config) { c.RejectWholeBatch = true } }

// WithEmailInProgress makes sent invoices show an e-mail still in progress
// (see Config.EmailInProgress).
func WithEmailInProgress() Option { return func(c *Config) { c.EmailInProgress = true } }

// WithTightRateLimit applies Tight's documented rate limit, fault.TightLimit
// (1000 requests per 5 minutes per access token).
func WithTightRateLimit() Option {
	return func(c *Config) {
		l := fault.TightLimit // a copy, so nobody mutates the shared value
		c.Faults.RateLimit = &l
	}
}

// Server is a running fake Tight API. The embedded frame gives it URL,
// Faults, Close, Requests, Count, Coverage and ClientOptions (which
// authenticate with the static Token).
type Server struct {
	*fake.Server

	// ClientID and ClientSecret are the accepted client credentials.
	ClientID, ClientSecret string
	// Token is a static access token that never expires.
	Token string

	st *state
}

// Start starts a fake; the caller must Close it.
func Start(opts ...Option) (*Server, error) {
	cfg := fake.Configure(opts)
	if cfg.ClientID == "" {
		cfg.ClientID = "test-client"
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = fake.RandomHex(16)
	}
	if cfg.Token == "" {
		cfg.Token = "static_" + fake.RandomHex(16)
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st := newState(cfg)
	st.hooks = fake.NewWebhooks(cfg.Webhooks, signWebhook)
	h := &handler{st: st}
	router := mux.NewRouter()
	strict := tightserver.NewStrictHandlerWithOptions(h, []tightserver.StrictMiddlewareFunc{withToken}, tightserver.StrictHTTPServerOptions{
		// The frame validated the request already, so these are rare; they
		// must still answer in Tight's format.
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusBadRequest, errorOf(tightapi.BADREQUEST, err.Error(), ""))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusInternalServerError, errorOf(tightapi.UNKNOWNERROR, err.Error(), ""))
		},
	})
	handler := tightserver.HandlerWithOptions(strict, tightserver.GorillaServerOptions{
		// The spec's server URL ends in /v6 and its paths follow it.
		BaseURL:    "/v6",
		BaseRouter: router,
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusBadRequest, errorOf(tightapi.BADREQUEST, err.Error(), ""))
		},
	})
	spec, err := tightapi.GetSpec()
	if err != nil {
		st.hooks.Close()
		return nil, fmt.Errorf("tighttest: spec: %w", err)
	}
	// The Date header tells Tight's clock, the fake's Config.Now (net/http
	// would write the machine's).
	dated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", cfg.Now().UTC().Format(http.TimeFormat))
		handler.ServeHTTP(w, r)
	})
	fs, err := fake.Start(fake.Provider{
		Name:        "tighttest",
		Spec:        spec,
		Handler:     dated,
		Authorized:  st.authorized,
		RenderError: renderError,
		FaultCode:   faultCode,
		Credentials: []option.Option{option.WithToken(cfg.Token)},
	}, fake.Options{Addr: cfg.Addr, Faults: cfg.Faults, CheckResponse: cfg.CheckResponse, Webhooks: st.hooks})
	if err != nil {
		return nil, err
	}
	st.baseURL = fs.URL
	return &Server{Server: fs, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Token: cfg.Token, st: st}, nil
}

// NewServer starts a fake and panics if it cannot, like httptest.NewServer.
func NewServer(opts ...Option) *Server { return fake.Must(Start(opts...)) }

// NewTestServer starts a fake that t.Cleanup closes and whose responses are
// checked against the spec, reporting mismatches with t.Errorf (unless the
// options set a CheckResponse of their own).
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return fake.NewTestServer(t, Start, opts, func(c *Config) *func(error) { return &c.CheckResponse })
}

// Customers returns the stored customers in creation order, in the response
// shape.
func (s *Server) Customers() []tightapi.Customer {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]tightapi.Customer, 0, len(s.st.customerOrder))
	for _, id := range s.st.customerOrder {
		out = append(out, s.st.customerOut(s.st.customers[id]))
	}
	return out
}

// Invoices returns the stored invoices in creation order, in the response
// shape.
func (s *Server) Invoices() []tightapi.Invoice {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]tightapi.Invoice, 0, len(s.st.invoiceOrder))
	for _, id := range s.st.invoiceOrder {
		out = append(out, s.st.invoiceOut(s.st.invoices[id]))
	}
	return out
}

// Customer returns the stored customer id, in the response shape.
func (s *Server) Customer(id string) (tightapi.Customer, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, ok := s.st.customers[id]
	if !ok {
		return tightapi.Customer{}, false
	}
	return s.st.customerOut(c), true
}

// Invoice returns the stored invoice id, in the response shape.
func (s *Server) Invoice(id string) (tightapi.Invoice, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	inv, ok := s.st.invoices[id]
	if !ok {
		return tightapi.Invoice{}, false
	}
	return s.st.invoiceOut(inv), true
}

// SetClassSegments assigns class segments to a stored customer (the save
// request cannot carry them): queryCustomers filters on them and every
// answer shows them. It reports whether the customer exists.
func (s *Server) SetClassSegments(customerID string, segments ...tightapi.ClassSegment) bool {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m := s.st.customerMeta[customerID]
	if m == nil {
		return false
	}
	m.segments = jsoncopy.Clone(segments)
	return true
}

// Sends returns how many times the invoice was sent (each accepted
// POST /v6/invoicing/invoices/{id}/send is one e-mail), deleted invoices
// included.
func (s *Server) Sends(invoiceID string) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.sends[invoiceID]
}

// IssuedTokens returns how many tokens the token endpoint has issued.
func (s *Server) IssuedTokens() int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.tokens)
}

// ExpireTokens makes every issued token expired now (the static Token stays
// valid), so the next save with one gets 401 EXPIRED_TOKEN.
func (s *Server) ExpireTokens() {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := s.st.cfg.Now()
	for _, tok := range s.st.tokens {
		tok.expires = now
	}
}

// state is the fake's memory; mu guards everything below it.
type state struct {
	cfg     Config
	baseURL string
	hooks   *fake.Webhooks // nil: no webhooks

	mu            sync.Mutex
	tokens        map[string]*token
	customers     map[string]*tightapi.CustomerInput
	customerOrder []string
	customerMeta  map[string]*customerMeta
	invoices      map[string]*storedInvoice
	invoiceOrder  []string
	seq           map[string]int // last number used per id prefix
	sends         map[string]int // accepted sends per invoice id
	payments      map[string]*storedPayment
	paymentOrder  []string
	templates     map[string]*tightapi.ItemTemplateInput
	templateOrder []string
	setup         tightapi.InvoicingSetup
	webhookSeq    int // last delivery id used
	// created numbers every entity in the order of its creation: the
	// queries' tie-breaker and default order, which inserts never change.
	created int64
}

// customerMeta is what the fake keeps beside a stored customer: its place in
// the order of creation, its creation time and its class segments (which
// the save request cannot set).
type customerMeta struct {
	seq      int64
	at       time.Time
	segments []tightapi.ClassSegment
}

type token struct {
	expires time.Time
	scope   string
}

type storedInvoice struct {
	in   tightapi.InvoiceInput // merged input, with ids assigned
	paid int64
	seq  int64 // place in the order of creation
	// sends counts the accepted sends (each one an e-mail), sentAt is the
	// last one's time and sentType its type.
	sends    int
	sentAt   time.Time
	sentType string
}

func newState(cfg Config) *state {
	return &state{
		cfg:          cfg,
		tokens:       map[string]*token{},
		customers:    map[string]*tightapi.CustomerInput{},
		customerMeta: map[string]*customerMeta{},
		invoices:     map[string]*storedInvoice{},
		seq:          map[string]int{},
		sends:        map[string]int{},
		payments:     map[string]*storedPayment{},
		templates:    map[string]*tightapi.ItemTemplateInput{},
		setup:        defaultSetup(),
	}
}

// newID returns the next free id with prefix ("cus", "inv", "ili", "istl").
// Callers hold mu.
func (st *state) newID(prefix string, taken func(string) bool) string {
	for {
		st.seq[prefix]++
		id := fmt.Sprintf("%s_%d", prefix, st.seq[prefix])
		if taken == nil || !taken(id) {
			return id
		}
	}
}
