// Package meteroidtest runs an in-process fake of Meteroid's REST API v1
// (customers: GET and POST /api/v1/customers; GET, PUT, PATCH and DELETE
// /api/v1/customers/{id_or_alias}, POST .../unarchive; subscriptions, their
// invoices and PDFs, and a read-only catalog of plans, products and
// metrics) for tests, in the style of net/http/httptest.
//
// A test starts a server, seeds customers, points a client at Server.URL
// with Server.APIKey as its bearer key, and inspects the state afterwards:
//
//	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
//	c, _ := meteroidapi.NewClientWithResponses(srv.URL, meteroidapi.WithRequestEditorFn(
//		func(_ context.Context, r *http.Request) error {
//			r.Header.Set("Authorization", "Bearer "+srv.APIKey)
//			return nil
//		}))
//	// ... exercise the code under test ...
//	got, _ := srv.Customer("alias-1")
//
// The fake keeps customers in memory with Meteroid's semantics: a customer is
// addressed by its id (cus_…) or, failing that, by its alias; PATCH changes
// only the fields present in the body, replacing arrays and objects as a
// whole, and answers with the full customer; PUT replaces it, clearing the
// optional fields the body omits. A listing is ordered as order_by asks
// (name, email, alias, created_at; default created_at.desc, newest first,
// as Meteroid's server; the fake's created_at is the creation order), pages
// from 0 with per_page (10 when absent), and answers a pagination_meta of
// the selection; search keeps
// customers whose name, alias or billing e-mail contains the term, ignoring
// case; archived customers are left out unless archived=true, which lists
// only them. POST creates a customer with a new "cus_<random>" id (the
// invoicing entity "ive_default" when none is sent, country codes upper-cased)
// and answers 409 CONFLICT when the alias is in use, by an archived customer
// too. DELETE archives (204, also for a customer already archived, so that a
// retry is harmless) and POST .../unarchive restores (204, also for a customer
// that is not archived, as Meteroid answers); GET still finds an archived customer (Meteroid's
// documents do not say). Every request is checked against
// the spec (specs/meteroid.yaml) before it reaches the fake, so an invalid
// body gets Meteroid's 400 {code: BAD_REQUEST, message} naming the field, and
// a missing or wrong key gets 401 {code: UNAUTHORIZED}. NewTestServer also
// validates every response against the spec and reports mismatches with
// t.Errorf.
//
// Every fake starts with a default catalog (PlanStarter, PlanPro, their
// products and MetricAPICalls; see catalog.go). A subscription must name a
// customer of the store (by id or alias) and a plan (and version) of the
// catalog, else POST answers 400; Meteroid keeps no unique key on it, so
// the same body sent twice makes two (SubscriptionsCreated counts them). A
// subscription ACTIVE on creation is invoiced at once (one FINALIZED
// invoice, with a small PDF; drafts have none).
//
// Usage events (POST /api/v1/events/ingest) are stored once per event_id
// and customer (an id and an alias of one customer are one customer; a
// repeat with a later timestamp replaces the stored one): UniqueEvents
// counts them, ReceivedEvents counts every event accepted. An event is
// refused when its timestamp is not RFC 3339, outside 24 hours ago .. 1
// hour ahead (the past limit lifted by allow_backfilling), or its customer
// is unknown: listed in failures with allow_partial_failures, else the
// whole batch is refused with 400 and nothing stored. A body over
// MaxIngestBody bytes is refused with 413 (text/plain). The usage reads
// (GET /api/v1/usage/customer/{id}, .../subscription/{id}, .../summary)
// add the events up per billable metric over whole UTC days, end day
// included: COUNT, or SUM of a numeric property (WithMetrics; a code
// without a metric is counted under "bm_<code>"); subscriptions exist only
// as WithSubscriptions names them. The schema's limits (1 to 100 events,
// event_id and code lengths) are checked by the spec check, so they refuse
// the whole batch with 400 even with allow_partial_failures (Meteroid's
// handler would list them as failures).
//
// Faults (latency, 429 with and without Retry-After, a per-key rate limit,
// 5xx, dropped connections, slow or truncated bodies, a proxy's HTML page)
// are injected with WithFaults; see package fault. Injected statuses carry
// Meteroid's error body (TOO_MANY_REQUESTS, INTERNAL_SERVER_ERROR).
//
// Deviations forced by the spec: Meteroid would plausibly answer 409 when a
// PATCH sets an alias another customer uses, but the spec declares no 409 for
// PATCH, so the fake answers 400 with code CONFLICT there. A create body
// that is JSON but misses a required field or holds a wrong value gets the
// fake's JSON 400 naming the field (Meteroid's extractor would answer 422 in
// text/plain), so that every field check has one error format; only a body
// that is not an object gets the 422.
package meteroidtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// Config configures a fake. It holds plain values so that a command line can
// map its flags onto it.
type Config struct {
	// Addr is the listen address (default "127.0.0.1:0", a free loopback port).
	Addr string
	// Faults are injected in front of the fake (zero value: none).
	Faults fault.Config
	// CheckResponse, when set, is called for each response that does not
	// match the spec (deliberately broken fault responses excepted).
	CheckResponse func(error)
	// APIKey is the one bearer API key the fake accepts (default: a generated
	// sandbox key "pv_sand_<random>").
	APIKey string
	// Customers seed the store, in order. A customer without id gets a
	// generated "cus_<random>" id; missing required fields are filled so
	// that responses stay valid (custom_taxes and invoicing_emails empty,
	// currency EUR, invoicing_entity_id "ive_default").
	Customers []meteroidapi.Customer
	// Webhooks, when its URL is set, makes the fake send a webhook for
	// every change of its state that Meteroid announces (see WithWebhooks).
	Webhooks fake.WebhookConfig
	// Metrics are the billable metrics the usage endpoints report (see
	// Metric); events of other codes are counted under implicit ones.
	Metrics []Metric
	// Subscriptions maps subscription ids to the customer (id or alias)
	// whose usage they report (see WithSubscriptions).
	Subscriptions map[string]string
}

// Option changes a Config.
type Option func(*Config)

// WithConfig replaces the whole Config (including what options before it
// set); later options still apply on top of it.
func WithConfig(c Config) Option { return func(cfg *Config) { *cfg = c } }

// WithFaults sets the faults to inject.
func WithFaults(f fault.Config) Option { return func(cfg *Config) { cfg.Faults = f } }

// WithCheckResponse sets the function that receives responses that do not
// match the spec.
func WithCheckResponse(f func(error)) Option { return func(cfg *Config) { cfg.CheckResponse = f } }

// WithAPIKey sets the accepted bearer API key.
func WithAPIKey(key string) Option { return func(cfg *Config) { cfg.APIKey = key } }

// WithCustomers adds customers to the seed.
func WithCustomers(cs ...meteroidapi.Customer) Option {
	return func(cfg *Config) { cfg.Customers = append(cfg.Customers, cs...) }
}

// WithGeneratedCustomers adds n customers to the seed: ids "cus_0" …
// "cus_<n-1>", aliases "alias-<i>", names "Customer <i>", currency EUR,
// invoicing entity "ive_default", no custom taxes, no invoicing e-mails.
// Benchmarks and the CLI's demo use it.
func WithGeneratedCustomers(n int) Option {
	return func(cfg *Config) {
		for i := range n {
			alias := fmt.Sprintf("alias-%d", i)
			cfg.Customers = append(cfg.Customers, meteroidapi.Customer{
				Id:                fmt.Sprintf("cus_%d", i),
				Alias:             &alias,
				Name:              fmt.Sprintf("Customer %d", i),
				Currency:          meteroidapi.CurrencyEUR,
				CustomTaxes:       []meteroidapi.CustomTax{},
				InvoicingEmails:   []string{},
				InvoicingEntityId: "ive_default",
			})
		}
	}
}

// Server is a running fake Meteroid API. The embedded frame gives it URL,
// Faults, Close, Requests, Count, Coverage and ClientOptions (which
// authenticate with APIKey).
type Server struct {
	*fake.Server
	// APIKey is the bearer API key the server accepts.
	APIKey string

	st *store
}

// Start starts a fake with opts and returns it, or an error when the
// listener cannot be opened or the seed is inconsistent (duplicate ids or
// aliases). The caller must Close it.
func Start(opts ...Option) (*Server, error) {
	cfg := fake.Configure(opts)
	if cfg.APIKey == "" {
		cfg.APIKey = "pv_sand_" + randomBase62(24)
	}
	st, err := newStore(cfg.Customers)
	if err != nil {
		return nil, err
	}
	st.ev = newEvents(cfg.Metrics)
	st.usageSubs = cfg.Subscriptions
	spec, err := meteroidapi.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("meteroidtest: spec: %w", err)
	}
	if st.hooks, err = newWebhooks(cfg.Webhooks); err != nil {
		return nil, err
	}
	key := cfg.APIKey
	fs, err := fake.Start(fake.Provider{
		Name:        "meteroidtest",
		Spec:        spec,
		Handler:     st.handler(),
		Authorized:  func(r *http.Request) (bool, string, string) { return authorized(r, key) },
		RenderError: renderError,
		FaultCode:   faultCode,
		Precheck:    extractorRejects,
		Credentials: []option.Option{option.WithToken(key)},
	}, fake.Options{Addr: cfg.Addr, Faults: cfg.Faults, CheckResponse: cfg.CheckResponse, Webhooks: st.hooks})
	if err != nil {
		return nil, err
	}
	return &Server{Server: fs, APIKey: key, st: st}, nil
}

// NewServer is Start that panics on error, like httptest.NewServer.
func NewServer(opts ...Option) *Server { return fake.Must(Start(opts...)) }

// NewTestServer starts a fake for t and closes it when t ends. Unless opts
// set a CheckResponse, every response that does not match the spec fails t
// with t.Errorf.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return fake.NewTestServer(t, Start, opts, func(c *Config) *func(error) { return &c.CheckResponse })
}

// Customer returns a copy of the customer with this id or, failing that,
// alias.
func (s *Server) Customer(idOrAlias string) (meteroidapi.Customer, bool) {
	return s.st.get(idOrAlias)
}

// Customers returns copies of all customers in seed order.
func (s *Server) Customers() []meteroidapi.Customer { return s.st.all() }

// Archived reports whether the customer with this id or alias is archived.
func (s *Server) Archived(idOrAlias string) bool { return s.st.isArchived(idOrAlias) }

// Created returns how many customers POST has created so far.
func (s *Server) Created() int { return s.st.creates() }

// Patches returns how many PATCHes were applied to the customer with this id
// or alias (0 for an unknown one).
func (s *Server) Patches(idOrAlias string) int { return s.st.patches(idOrAlias) }

// authorized checks the bearer key (the scheme name is case-insensitive, as
// RFC 7235 says).
func authorized(r *http.Request, key string) (bool, string, string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false, string(meteroidapi.ErrorCodeUnauthorized), "Missing API key"
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) != key {
		return false, string(meteroidapi.ErrorCodeUnauthorized), "Invalid API key"
	}
	return true, "", ""
}

// renderError writes Meteroid's error body {code, message}. Meteroid's body
// has no field member, so param only reaches the message (the frame already
// names the field there).
func renderError(w http.ResponseWriter, _ *http.Request, status int, code, message, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(meteroidapi.Error{Code: meteroidapi.ErrorCode(code), Message: message})
}

// extractorRejects answers the PATCH, PUT and POST bodies that Meteroid's JSON
// extractor (axum's Json) refuses before any handler runs, with its
// text/plain answers: 415 without an application/json Content-Type, 422 for
// JSON that is not an object. Other invalid bodies keep the fake's JSON 400,
// so that callers see one error format for the field checks. Only the
// handlers that take a body have the extractor: a POST .../unarchive (no
// body) is not checked.
func extractorRejects(w http.ResponseWriter, r *http.Request) bool {
	target := bodyTarget(r)
	if target == "" {
		return false
	}
	ingest := target == "IngestEventsRequest"
	plain := func(status int, msg string) bool {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, msg)
		return true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if ingest && tooLarge(w, len(body)) {
		// The body limit answers before the extractor looks at the body.
		return true
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return plain(http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
	}
	// JSON that is not an object: told by its first byte, without decoding
	// it (the spec check and the handler decode it anyway).
	if t := bytes.TrimLeft(body, " \t\r\n"); (len(t) == 0 || t[0] != '{') && json.Valid(body) {
		return plain(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: invalid type, expected struct "+target)
	}
	return false
}

// bodyTarget names the request type of an operation that takes a JSON body
// ("" for one that takes none: GETs, DELETE, POST .../unarchive).
func bodyTarget(r *http.Request) string {
	path := strings.TrimSuffix(r.URL.Path, "/")
	subs := strings.Contains(path, "/subscriptions")
	switch {
	case r.Method == http.MethodPatch && subs:
		return "SubscriptionUpdateRequest"
	case r.Method == http.MethodPatch:
		return "CustomerPatch"
	case r.Method == http.MethodPut:
		return "CustomerUpdateRequest"
	case r.Method != http.MethodPost:
		return ""
	case strings.HasSuffix(path, "/customers"):
		return "CustomerCreateRequest"
	case strings.HasSuffix(path, "/events/ingest"):
		return "IngestEventsRequest"
	case strings.HasSuffix(path, "/subscriptions"):
		return "SubscriptionCreateRequest"
	case subs && strings.HasSuffix(path, "/cancel"):
		return "CancelSubscriptionRequest"
	}
	return ""
}

// faultCode names Meteroid's code for an injected status.
func faultCode(status int) (string, string) {
	if status == http.StatusTooManyRequests {
		return string(meteroidapi.ErrorCodeTooManyRequests), "Rate limit exceeded"
	}
	return string(meteroidapi.ErrorCodeInternalServerError), http.StatusText(status)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n random base62 characters (the alphabet of
// Meteroid's ids).
func randomBase62(n int) string {
	b := make([]byte, n)
	for i := range b {
		x, err := rand.Int(rand.Reader, big.NewInt(int64(len(base62))))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = base62[x.Int64()]
	}
	return string(b)
}
