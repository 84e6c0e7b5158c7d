package chargeovertest

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// Config configures a fake. It holds plain values so that a command line can
// map flags onto it. The zero value is a valid config.
type Config struct {
	// Addr is the listen address (default "127.0.0.1:0", a free loopback port).
	Addr string
	// Faults are injected in front of the fake (none by default).
	Faults fault.Config
	// CheckResponse is called for each response that does not match the spec.
	CheckResponse func(error)
	// Username and Password are the HTTP Basic credentials the fake accepts;
	// an empty one is generated.
	Username, Password string
	// Customers are created, in order, before the fake serves (as Seed does).
	Customers []chargeoverapi.CustomerCreate
	// Webhooks, when its URL is set, makes the fake send a webhook for
	// every change of its customers (see WithWebhooks).
	Webhooks fake.WebhookConfig
}

// Option changes a Config.
type Option func(*Config)

// WithConfig replaces the whole config (later options still apply on top).
func WithConfig(c Config) Option { return func(dst *Config) { *dst = c } }

// WithFaults sets the faults to inject.
func WithFaults(f fault.Config) Option { return func(c *Config) { c.Faults = f } }

// WithCheckResponse sets the function that receives every response that does
// not match the spec.
func WithCheckResponse(f func(error)) Option { return func(c *Config) { c.CheckResponse = f } }

// WithCredentials sets the HTTP Basic credentials the fake accepts.
func WithCredentials(username, password string) Option {
	return func(c *Config) { c.Username, c.Password = username, password }
}

// WithCustomers pre-creates customers, in order, before the fake serves.
func WithCustomers(customers ...chargeoverapi.CustomerCreate) Option {
	return func(c *Config) { c.Customers = append(c.Customers, customers...) }
}

// Server is a running fake ChargeOver. The embedded frame gives it URL,
// Faults, Close, Requests, Count, Coverage and ClientOptions (which
// authenticate with Username and Password).
type Server struct {
	*fake.Server
	// Username is the HTTP Basic user name the fake accepts.
	Username string
	// Password is the HTTP Basic password the fake accepts.
	Password string

	st *store
}

// Start starts a fake and returns it, or an error when it cannot listen or a
// pre-created customer is refused. The caller must Close it.
func Start(opts ...Option) (*Server, error) {
	cfg := fake.Configure(opts)
	if cfg.Username == "" {
		cfg.Username = "co-user-" + fake.RandomHex(4)
	}
	if cfg.Password == "" {
		cfg.Password = "co-key-" + fake.RandomHex(16)
	}
	spec, err := chargeoverapi.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("chargeovertest: spec: %w", err)
	}
	st, err := newStore(spec)
	if err != nil {
		return nil, err
	}
	for i, c := range cfg.Customers {
		if _, status, msg := st.create(c); status != http.StatusCreated {
			return nil, fmt.Errorf("chargeovertest: customer %d: %s", i, msg)
		}
	}
	strict := chargeoverserver.NewStrictHandlerWithOptions(&handler{st: st}, []chargeoverserver.StrictMiddlewareFunc{withBaseURL},
		chargeoverserver.StrictHTTPServerOptions{
			// The frame validated the request already, so a body the strict
			// handler cannot decode is rare; it still gets ChargeOver's 400.
			RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				renderError(w, r, http.StatusBadRequest, "", msgInvalid+" "+err.Error(), "")
			},
			ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				renderError(w, r, http.StatusInternalServerError, "", "An internal error occurred: "+err.Error(), "")
			},
		})
	router := fake.NewRouter()
	h := chargeoverserver.HandlerWithOptions(strict, chargeoverserver.GorillaServerOptions{
		BaseRouter: router,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			renderError(w, r, http.StatusBadRequest, "", msgInvalid+" "+err.Error(), "")
		},
	})
	if err := preferExternalKeyRoute(router); err != nil {
		return nil, err
	}
	s := &Server{Username: cfg.Username, Password: cfg.Password, st: st}
	st.hooks = fake.NewWebhooks(cfg.Webhooks, signWebhook)
	s.Server, err = fake.Start(fake.Provider{
		Name:        "chargeovertest",
		Spec:        spec,
		Handler:     h,
		Authorized:  s.authorized,
		RenderError: renderError,
		FaultCode:   faultCode,
		Credentials: []option.Option{option.WithBasicAuth(cfg.Username, cfg.Password)},
	}, fake.Options{Addr: cfg.Addr, Faults: cfg.Faults, CheckResponse: cfg.CheckResponse, Webhooks: st.hooks})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// NewServer starts a fake like Start and panics when it cannot, as
// httptest.NewServer does. The caller must Close it.
func NewServer(opts ...Option) *Server { return fake.Must(Start(opts...)) }

// NewTestServer starts a fake for t, closes it when t ends, and (unless the
// options set a CheckResponse) fails t for every response that does not match
// the spec.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return fake.NewTestServer(t, Start, opts, func(c *Config) *func(error) { return &c.CheckResponse })
}

// Seed creates customers as if each were sent to createCustomer, in order. It
// panics when one is refused (an empty company or a used external_key),
// because that is a mistake in the test.
func (s *Server) Seed(customers ...chargeoverapi.CustomerCreate) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for i, c := range customers {
		if _, status, msg := s.st.createLocked(c); status != http.StatusCreated {
			panic(fmt.Sprintf("chargeovertest: Seed: customer %d: %s", i, msg))
		}
	}
}

// Customers returns copies of all customers not deleted, in creation order.
func (s *Server) Customers() []chargeoverapi.Customer {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]chargeoverapi.Customer, 0, len(s.st.customers))
	for i, c := range s.st.customers {
		if !s.st.gone[i] {
			out = append(out, clone(c))
		}
	}
	return out
}

// CustomerByExternalKey returns a copy of the customer with this external_key
// (keys compare exactly).
func (s *Server) CustomerByExternalKey(key string) (chargeoverapi.Customer, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, ok := s.st.byKey(key)
	if !ok {
		return chargeoverapi.Customer{}, false
	}
	return clone(c), true
}

// CountByExternalKey counts the customers with this external_key by scanning
// them all, so that a test can assert that nothing was duplicated. By
// construction it is 0 or 1.
func (s *Server) CountByExternalKey(key string) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n := 0
	for i, c := range s.st.customers {
		if !s.st.gone[i] && c.ExternalKey != nil && *c.ExternalKey == key {
			n++
		}
	}
	return n
}

// authorized checks HTTP Basic credentials, answering with ChargeOver's
// messages.
func (s *Server) authorized(r *http.Request) (bool, string, string) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false, "", msgNoAuth
	}
	if !equal(user, s.Username) || !equal(pass, s.Password) {
		return false, "", msgBadAuth
	}
	return true, "", ""
}

// Operation names as Requests and Count report them: the spec's operationIds.
const (
	OpCreateCustomer           = "createCustomer"
	OpGetCustomerByExternalKey = "getCustomerByExternalKey"
	OpBulk                     = "bulk"
	OpListCustomers            = "listCustomers"
	OpGetCustomer              = "getCustomer"
	OpUpdateCustomer           = "updateCustomer"
)

// preferExternalKeyRoute keeps /api/v3/customer/{customer_id} off the URLs
// of /api/v3/customer/external_key:{key}. gorilla/mux tries routes in the
// order the generated code registers them, the spec's order, and the spec
// declares the customer_id path first (Prism picks the later of two equally
// good templates, and the external-key path must win there); so the
// customer_id route gets a matcher that leaves "external_key:" segments to
// the route after it.
func preferExternalKeyRoute(router *mux.Router) error {
	found := false
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if tpl, _ := route.GetPathTemplate(); tpl == "/api/v3/customer/{customer_id}" {
			found = true
			route.MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool {
				_, last := path.Split(r.URL.EscapedPath())
				return !strings.HasPrefix(last, "external_key:") && !strings.HasPrefix(last, "external_key%3A")
			})
		}
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("chargeovertest: no /api/v3/customer/{customer_id} route to adjust")
	}
	return err
}
