package rules_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// fast are the options of every client here: quick retries, no client-side
// rate limit.
func fast(extra ...option.Option) []option.Option {
	return append([]option.Option{option.WithRateLimit(0, 0), option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 3,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond})}, extra...)
}

func ptr[T any](v T) *T { return &v }

// apiRequests counts the requests a fake received, token requests left out.
func apiRequests(log []fake.Request) int {
	n := 0
	for _, r := range log {
		if r.Operation != "createToken" {
			n++
		}
	}
	return n
}

func errsOf[T any](rs []billbridge.Result[T]) []error {
	out := make([]error, len(rs))
	for i, r := range rs {
		if r.Index != i {
			panic(fmt.Sprintf("result %d has index %d", i, r.Index))
		}
		out[i] = r.Err
	}
	return out
}

// authCase is one batch operation sent with a credential the fake refuses.
type authCase struct {
	name string
	// per is the number of items a request carries.
	per int
	// run sends n items at concurrency conc and returns one error per item
	// and the requests the fake received.
	run func(t *testing.T, n, conc int) ([]error, int)
}

func tightClient(t *testing.T, conc int, opts ...option.Option) (*tight.Client, *tighttest.Server) {
	t.Helper()
	srv := tighttest.NewTestServer(t)
	base := fast(option.WithBaseURL(srv.URL), option.WithToken("not-the-token"), option.WithBatchSize(10), option.WithConcurrency(conc))
	c, err := tight.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func coClient(t *testing.T, conc int) (*chargeover.Client, *chargeovertest.Server) {
	t.Helper()
	srv := chargeovertest.NewTestServer(t)
	c, err := chargeover.New(fast(option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, "not-the-password"),
		option.WithBatchSize(10), option.WithConcurrency(conc))...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func meteroidClient(t *testing.T, conc int) (*meteroid.Client, *meteroidtest.Server) {
	t.Helper()
	srv := meteroidtest.NewTestServer(t)
	c, err := meteroid.New(fast(option.WithBaseURL(srv.URL), option.WithToken("not-the-key"), option.WithConcurrency(conc))...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func tightCustomers(n int, upsert bool) []tight.CustomerInput {
	out := make([]tight.CustomerInput, n)
	for i := range out {
		out[i] = tight.CustomerInput{Name: ptr(fmt.Sprintf("Auth %d", i))}
		if upsert {
			out[i].Id = ptr(fmt.Sprintf("cus_auth_%d", i))
		}
	}
	return out
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

var authCases = []authCase{
	{"tight/saveCustomers creates", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		return errsOf(c.SaveCustomers(context.Background(), tightCustomers(n, false))), apiRequests(srv.Requests())
	}},
	{"tight/saveCustomers upserts", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		return errsOf(c.SaveCustomers(context.Background(), tightCustomers(n, true))), apiRequests(srv.Requests())
	}},
	{"tight/saveCustomers read back first", 1, func(t *testing.T, n, conc int) ([]error, int) {
		// The lookups of the keyed creates are the call's first requests.
		c, srv := tightClient(t, conc)
		rs := c.SaveCustomers(context.Background(), tightCustomers(n, false), option.WithReadBackFirst())
		return errsOf(rs), apiRequests(srv.Requests())
	}},
	{"tight/saveCustomersSeq", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		var errs []error
		for r := range c.SaveCustomersSeq(context.Background(), slices.Values(tightCustomers(n, false))) {
			errs = append(errs, r.Err)
		}
		return errs, apiRequests(srv.Requests())
	}},
	{"tight/saveInvoices", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		items := make([]tight.InvoiceInput, n)
		for i := range items {
			items[i] = tight.InvoiceInput{Id: ptr(fmt.Sprintf("inv_%d", i)), Name: ptr("Consulting"), InvoiceStatus: ptr("OPEN")}
		}
		return errsOf(c.SaveInvoices(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"tight/deleteCustomers", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		return errsOf(c.DeleteCustomers(context.Background(), ids("cus_", n))), apiRequests(srv.Requests())
	}},
	{"tight/deleteInvoices", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		return errsOf(c.DeleteInvoices(context.Background(), ids("inv_", n))), apiRequests(srv.Requests())
	}},
	{"tight/sendInvoices", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := tightClient(t, conc)
		items := make([]tight.SendInvoice, n)
		for i := range items {
			items[i].ID = fmt.Sprintf("inv_%d", i)
		}
		return errsOf(c.SendInvoices(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"chargeover/createCustomers", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := coClient(t, conc)
		items := make([]chargeover.CustomerCreate, n)
		for i := range items {
			items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Auth %d", i), ExternalKey: ptr(fmt.Sprintf("auth-%d", i))}
		}
		return errsOf(c.CreateCustomers(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"chargeover/updateCustomers", 10, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := coClient(t, conc)
		items := make([]chargeover.CustomerUpdate, n)
		for i := range items {
			items[i] = chargeover.CustomerUpdate{ID: int64(1000 + i), Customer: chargeover.CustomerChanges{BillCity: ptr("Bern")}}
		}
		return errsOf(c.UpdateCustomers(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"meteroid/createCustomers", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := meteroidClient(t, conc)
		items := make([]meteroid.CustomerCreate, n)
		for i := range items {
			items[i] = meteroid.CustomerCreate{Name: fmt.Sprintf("Auth %d", i), Alias: ptr(fmt.Sprintf("auth-%d", i)), Currency: meteroid.CurrencyEUR}
		}
		return errsOf(c.CreateCustomers(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"meteroid/patchCustomers", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := meteroidClient(t, conc)
		items := make([]meteroid.CustomerUpdate, n)
		for i := range items {
			items[i] = meteroid.CustomerUpdate{IDOrAlias: fmt.Sprintf("auth-%d", i), Patch: meteroid.CustomerPatch{BillingEmail: ptr("a@example.com")}}
		}
		return errsOf(c.PatchCustomers(context.Background(), items)), apiRequests(srv.Requests())
	}},
	{"meteroid/archiveCustomersSeq", 1, func(t *testing.T, n, conc int) ([]error, int) {
		c, srv := meteroidClient(t, conc)
		var errs []error
		for r := range c.ArchiveCustomersSeq(context.Background(), slices.Values(ids("auth-", n))) {
			errs = append(errs, r.Err)
		}
		return errs, apiRequests(srv.Requests())
	}},
}

// TestRefusedCredentialsEndTheCall sends 100 items with a credential each
// fake refuses: the first refusal ends the call. At concurrency 1 one
// request reaches the fake, at 4 no more than 4; every item has a result
// that matches billbridge.ErrUnauthorized, the items of the refused
// requests carry the refusal (401) and all the others are not sent.
func TestRefusedCredentialsEndTheCall(t *testing.T) {
	const n = 100
	for _, tc := range authCases {
		for _, conc := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/concurrency %d", tc.name, conc), func(t *testing.T) {
				errs, requests := tc.run(t, n, conc)
				if len(errs) != n {
					t.Fatalf("%d results for %d items", len(errs), n)
				}
				if requests < 1 || requests > conc {
					t.Errorf("%d requests reached the fake, want 1 to %d", requests, conc)
				}
				refused, notSent := 0, 0
				for i, err := range errs {
					var ae *billbridge.APIError
					switch {
					case !errors.Is(err, billbridge.ErrUnauthorized):
						t.Fatalf("item %d: %v, want an error matching ErrUnauthorized", i, err)
					case errors.Is(err, billbridge.ErrNotSent):
						notSent++
						if !strings.Contains(err.Error(), "401") {
							t.Errorf("item %d: %v, want the refusal quoted", i, err)
						}
					case errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized:
						refused++
					default:
						t.Fatalf("item %d: %v, want the refusal or not sent", i, err)
					}
				}
				// The items of the refused request keep the refusal, the others
				// are not sent; when the refused request was a keyed create's
				// lookup, nothing was sent for anyone.
				if refused < 1 && notSent != n || refused > requests*tc.per || notSent < n-requests*tc.per {
					t.Errorf("%d items refused, %d not sent, for %d requests of %d items", refused, notSent, requests, tc.per)
				}
				t.Logf("%d requests: %d items refused, %d not sent; first not sent: %v", requests, refused, notSent, errs[n-1])
			})
		}
	}
}

// TestRefusedCredentialsEndAList: a list's walk ends at the refusal of its
// first page, with one error matching billbridge.ErrUnauthorized.
func TestRefusedCredentialsEndAList(t *testing.T) {
	walk := func(t *testing.T, seq func(func(any, error) bool)) {
		t.Helper()
		var errs []error
		for _, err := range seq {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], billbridge.ErrUnauthorized) {
			t.Fatalf("errors %v, want one matching ErrUnauthorized", errs)
		}
	}
	t.Run("tight", func(t *testing.T) {
		c, srv := tightClient(t, 1)
		walk(t, func(yield func(any, error) bool) {
			for v, err := range c.ListCustomers(context.Background(), tight.CustomerQuery{}) {
				if !yield(v, err) {
					return
				}
			}
		})
		if n := apiRequests(srv.Requests()); n != 1 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("chargeover", func(t *testing.T) {
		c, srv := coClient(t, 1)
		walk(t, func(yield func(any, error) bool) {
			for v, err := range c.ListCustomers(context.Background(), chargeover.CustomerQuery{}) {
				if !yield(v, err) {
					return
				}
			}
		})
		if n := apiRequests(srv.Requests()); n != 1 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("meteroid", func(t *testing.T) {
		c, srv := meteroidClient(t, 1)
		walk(t, func(yield func(any, error) bool) {
			for v, err := range c.ListCustomers(context.Background(), meteroid.CustomerQuery{}) {
				if !yield(v, err) {
					return
				}
			}
		})
		if n := apiRequests(srv.Requests()); n != 1 {
			t.Errorf("%d requests", n)
		}
	})
}

// TestRefusedClientCredentials: Tight's OAuth. A token request refused
// (wrong client secret) ends the call before any save is sent; a token the
// API refuses even after the transport fetched a fresh one ends it after
// that one request and its one retry.
func TestRefusedClientCredentials(t *testing.T) {
	const n = 100
	t.Run("token refused", func(t *testing.T) {
		srv := tighttest.NewTestServer(t, tighttest.WithClientCredentials("id-1", "secret-1"))
		c, err := tight.New(fast(option.WithBaseURL(srv.URL), option.WithClientCredentials("id-1", "wrong"),
			option.WithBatchSize(10), option.WithConcurrency(4))...)
		if err != nil {
			t.Fatal(err)
		}
		rs := c.SaveCustomers(context.Background(), tightCustomers(n, false))
		for i, r := range rs {
			if !errors.Is(r.Err, billbridge.ErrUnauthorized) || !errors.Is(r.Err, billbridge.ErrNotSent) {
				t.Fatalf("item %d: %v, want not sent, credentials refused", i, r.Err)
			}
		}
		tokens := len(srv.Requests()) - apiRequests(srv.Requests())
		if apiRequests(srv.Requests()) != 0 || tokens < 1 || tokens > 4 {
			t.Errorf("%d saves, %d token requests; want none and 1 to 4", apiRequests(srv.Requests()), tokens)
		}
	})
	t.Run("refused after a refresh", func(t *testing.T) {
		srv := tighttest.NewTestServer(t, tighttest.WithClientCredentials("id-1", "secret-1"))
		// Every save carries a token the fake does not know: 401
		// INVALID_TOKEN, which the transport answers by fetching a new
		// token once; the new one is replaced too.
		revoke := roundTripper(func(r *http.Request) (*http.Response, error) {
			if !strings.HasSuffix(r.URL.Path, "/auth/token") {
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", "Bearer revoked")
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		c, err := tight.New(fast(option.WithBaseURL(srv.URL), option.WithClientCredentials("id-1", "secret-1"),
			option.WithHTTPClient(&http.Client{Transport: revoke}), option.WithBatchSize(10), option.WithConcurrency(1))...)
		if err != nil {
			t.Fatal(err)
		}
		// Without create keys: the saves themselves meet the refusals.
		rs := c.SaveCustomers(context.Background(), tightCustomers(n, false), tight.WithoutCreateKeys())
		for i, r := range rs {
			if !errors.Is(r.Err, billbridge.ErrUnauthorized) || i >= 10 != errors.Is(r.Err, billbridge.ErrNotSent) {
				t.Fatalf("item %d: %v", i, r.Err)
			}
		}
		tokens := len(srv.Requests()) - apiRequests(srv.Requests())
		if apiRequests(srv.Requests()) != 2 || tokens != 2 {
			t.Errorf("%d saves, %d token requests; want 2 and 2 (the refresh)", apiRequests(srv.Requests()), tokens)
		}
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
