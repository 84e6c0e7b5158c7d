package chargeover_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

func TestNewConfiguration(t *testing.T) {
	t.Setenv(chargeover.EnvBaseURL, "")
	t.Setenv(chargeover.EnvUsername, "")
	t.Setenv(chargeover.EnvPassword, "")
	if _, err := chargeover.New(option.WithBasicAuth("u", "p")); err == nil || !strings.Contains(err.Error(), "WithSite") {
		t.Errorf("no host: err = %v, want one naming WithSite", err)
	}
	for _, bad := range []string{"", "my site", "-acme", "acme.evil.com/x", "a/b", strings.Repeat("a", 64)} {
		if _, err := chargeover.New(chargeover.WithSite(bad), option.WithBasicAuth("u", "p")); err == nil || !strings.Contains(err.Error(), "DNS label") {
			t.Errorf("WithSite(%q): err = %v, want a DNS label error", bad, err)
		}
	}
	// _bulk refuses more than 25 sub-requests as a whole: a larger batch
	// size is a configuration error, said in New.
	if _, err := chargeover.New(chargeover.WithSite("acme-test"), option.WithBasicAuth("u", "p"), option.WithBatchSize(100)); err == nil || !strings.Contains(err.Error(), "maximum of 25") {
		t.Errorf("batch size 100: err = %v", err)
	}
	c, err := chargeover.New(chargeover.WithSite("acme-test"), option.WithBasicAuth("u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://acme-test.chargeover.com" || !strings.Contains(c.String(), "BatchSize: 25") {
		t.Errorf("BaseURL %q, %v", c.BaseURL(), c)
	}
	// The documents write the base URL with /api/v3; the paths carry it.
	c, err = chargeover.New(option.WithBaseURL("https://acme.chargeover.com/api/v3/"), option.WithBasicAuth("u", "p"))
	if err != nil || c.BaseURL() != "https://acme.chargeover.com" {
		t.Errorf("base URL with /api/v3: %v %v", c, err)
	}

	// Credentials: missing, half from the environment, then from it.
	if _, err := chargeover.New(chargeover.WithSite("acme")); err == nil || !strings.Contains(err.Error(), chargeover.EnvUsername) {
		t.Errorf("no credentials: err = %v, want one naming %s", err, chargeover.EnvUsername)
	}
	t.Setenv(chargeover.EnvUsername, "api-user")
	if _, err := chargeover.New(chargeover.WithSite("acme")); err == nil || !strings.Contains(err.Error(), chargeover.EnvPassword) {
		t.Errorf("no password: err = %v, want one naming %s", err, chargeover.EnvPassword)
	}
	srv := chargeovertest.NewTestServer(t)
	t.Setenv(chargeover.EnvUsername, srv.Username)
	t.Setenv(chargeover.EnvPassword, srv.Password)
	c, err = chargeover.New(option.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if r := chargeover.CreateOne(c, context.Background(), cust("env-1", "Env Inc.")); r.Err != nil {
		t.Errorf("create with credentials from the environment: %v", r.Err)
	}
}

func TestCreateCustomersHappyPath(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	in := []chargeover.CustomerCreate{cust("acme-1", "Acme One"), cust("", "No Key Ltd"), cust("acme-3", "Acme Three")}
	in[0].Tags = &[]string{"wholesale"}
	in[0].InvoiceDelivery = ptr(chargeover.DeliveryEmail)
	res := c.CreateCustomers(context.Background(), in)
	if len(res) != len(in) {
		t.Fatalf("%d results for %d items", len(res), len(in))
	}
	for i, r := range res {
		if r.Err != nil || r.Index != i || r.Status != http.StatusCreated || r.Attempts != 1+btoi(in[i].ExternalKey != nil) || r.Existing || r.Value == 0 || r.ID == "" || r.Outcome != billbridge.Created {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	got, ok := srv.CustomerByExternalKey("acme-1")
	if !ok || got.CustomerId.String() != res[0].ID || got.Tags == nil || (*got.Tags)[0] != "wholesale" {
		t.Errorf("fake holds %+v, %v; want customer %s", got, ok, res[0].ID)
	}
	// The two keys are looked up first (one _bulk GET), then created.
	if n := srv.Count(chargeovertest.OpBulk, http.StatusOK); n != 2 {
		t.Errorf("%d bulk calls, want 2", n)
	}
	if req, _ := c.Counts(); req != 2 {
		t.Errorf("Counts() requests = %d, want 2", req)
	}
}

func TestSixtyItemsAreThreeBulkCalls(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	res := c.CreateCustomers(context.Background(), customers("sixty", 60, false))
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("item %d: %v", r.Index, r.Err)
		}
	}
	if n := srv.Count(chargeovertest.OpBulk, 0); n != 3 {
		t.Errorf("%d bulk calls for 60 items, want 3 (25+25+10)", n)
	}
	if n := len(srv.Customers()); n != 60 {
		t.Errorf("fake holds %d customers, want 60", n)
	}
}

// Poison items fail alone: a local validation error is never sent, a
// server-side refusal fails only its own sub-request, and the rest of the
// same _bulk call is created.
func TestPoisonItemsIsolated(t *testing.T) {
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithCustomers(cust("taken", "Old Customer")))
	c := newClient(t, srv)
	in := []chargeover.CustomerCreate{
		cust("p-0", "Good Zero"),
		cust("p-1", ""),    // empty company: refused locally
		cust("p-2", "   "), // blank company: passes the schema, ChargeOver refuses it
		cust("taken", "Second Try"),
		cust("p-4", "Good Four"),
	}
	res := c.CreateCustomers(context.Background(), in)
	if res[0].Err != nil || res[4].Err != nil {
		t.Fatalf("good items failed: %v / %v", res[0].Err, res[4].Err)
	}
	var ve *billbridge.ValidationError
	if !errors.As(res[1].Err, &ve) || ve.Index != 1 || ve.Field != "company" || res[1].Attempts != 0 {
		t.Errorf("empty company: %+v, want a ValidationError for item 1 field company, never sent", res[1])
	}
	var ae *billbridge.APIError
	if !errors.As(res[2].Err, &ae) || ae.StatusCode != 400 || res[2].Status != 400 || ae.Provider != "chargeover" || !strings.Contains(ae.Message, "company") {
		t.Errorf("blank company: %+v (%v), want a sub-request 400", res[2], res[2].Err)
	}
	// A key used before this call by a customer holding other data: a
	// conflict naming that customer and the field, never adopted.
	if !errors.Is(res[3].Err, billbridge.ErrConflict) || !errors.As(res[3].Err, &ae) || ae.Param != "company" || res[3].Existing ||
		!strings.Contains(ae.Message, "customer 1000") || res[3].ID != "" {
		t.Errorf("used key on first attempt: %+v (%v), want a conflict with customer 1000 on company", res[3], res[3].Err)
	}
	// The keys are looked up (one _bulk GET): "taken" is a conflict and
	// never sent; the three others are created in one call; the refused
	// blank-company item (p-2) is read back by its key (one GET), found
	// absent, and its refusal stands.
	if n := srv.Count(chargeovertest.OpBulk, 0); n != 2 {
		t.Errorf("%d bulk calls, want 2", n)
	}
	if n := srv.Count(chargeovertest.OpGetCustomerByExternalKey, 0); n != 1 {
		t.Errorf("%d reads by key, want 1", n)
	}
	if n := len(srv.Customers()); n != 3 {
		t.Errorf("fake holds %d customers, want 3 (the old one and two good ones)", n)
	}
}

// Retry-After is honoured (the wait is at least the capped value, not the
// tiny backoff) and capped (an hour-long Retry-After ends in 50 ms).
func TestRetryAfterHonouredAndCapped(t *testing.T) {
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{
		Sequence:   []fault.Kind{fault.None, fault.TooManyAfter, fault.TooManyAfter}, // the lookup, then the create
		RetryAfter: time.Hour,
	}))
	c := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	res := c.CreateCustomers(ctx, customers("ra", 3, true))
	elapsed := time.Since(start)
	for _, r := range res {
		if r.Err != nil || r.Attempts != btoi(r.Index != 1)+3 { // item 1 has no key: no lookup
			t.Errorf("item %d: %+v, want success after a lookup and 3 attempts", r.Index, r)
		}
	}
	if elapsed < 2*fastRetries.MaxRetryAfter {
		t.Errorf("took %s: Retry-After not honoured (want >= 2 x %s)", elapsed, fastRetries.MaxRetryAfter)
	}
	if req, retries := c.Counts(); req != 4 || retries != 2 {
		t.Errorf("Counts() = %d, %d; want 4, 2", req, retries)
	}
}

// Each retry rule end to end, with ChargeOver's own error bodies.
func TestRetryRules(t *testing.T) {
	keyed := func(prefix string) []chargeover.CustomerCreate { return customers(prefix, 2, false) }
	tests := []struct {
		name  string
		seq   []fault.Kind
		items []chargeover.CustomerCreate
		check func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64])
	}{
		{"429 without Retry-After is retried", []fault.Kind{fault.None, fault.TooMany}, keyed("r429"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			wantCreated(t, res, 1+2, false)
		}},
		{"500 on keyed items: read back, not found, sent again", []fault.Kind{fault.None, fault.Status500}, keyed("r500"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			wantCreated(t, res, 1+2+1, false)                     // lookup, bulk 500, read, bulk 200 (reads count for their items)
			if n := srv.Count(chargeovertest.OpBulk, 0); n != 4 { // two _bulk GETs, two creates
				t.Errorf("%d bulk calls, want 4", n)
			}
		}},
		{"HTML 502 page: read back, sent again", []fault.Kind{fault.None, fault.HTMLErrorPage}, keyed("rhtml"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			wantCreated(t, res, 4, false)
		}},
		{"drop after the server acted: read back, found", []fault.Kind{fault.None, fault.DropAfter}, keyed("rdrop"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			wantCreated(t, res, 3, true)
			if n := srv.Count(chargeovertest.OpBulk, 0); n != 3 {
				t.Errorf("%d bulk calls, want 3 (lookup, create, read back; nothing sent again)", n)
			}
		}},
		{"truncated success body: read back, found", []fault.Kind{fault.None, fault.TruncatedJSON}, keyed("rtrunc"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			wantCreated(t, res, 3, true)
		}},
		{"read back retried on 503", []fault.Kind{fault.None, fault.Status500, fault.Status503}, keyed("rread"), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			if res[0].Err != nil || res[0].Attempts != 5 { // lookup, bulk 500, read 503, read 404, bulk 201
				t.Errorf("item 0: %+v", res[0])
			}
		}},
		{"read back keeps failing: outcome stays unknown", []fault.Kind{fault.None, fault.Status500, fault.Status500, fault.Status500, fault.Status500, fault.Status500, fault.Status500, fault.Status500},
			[]chargeover.CustomerCreate{cust("rfail", "Read Fail")}, func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
				var ae *billbridge.APIError
				if !errors.Is(res[0].Err, billbridge.ErrOutcomeUnknown) || !errors.As(res[0].Err, &ae) || ae.Operation != "bulk" || ae.StatusCode != 500 || res[0].Attempts != 8 {
					t.Errorf("got %+v (%v)", res[0], res[0].Err)
				}
				if n := srv.Count(chargeovertest.OpBulk, 0); n != 1 {
					t.Errorf("%d bulk calls, want 1 create (never sent blind)", n)
				}
			}},
		{"no key, outcome unknown: reported, never sent again", []fault.Kind{fault.None, fault.DropAfter}, customers("rnokey", 2, true), func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			if !res[0].Existing || res[0].Err != nil {
				t.Errorf("keyed item: %+v", res[0])
			}
			var ae *billbridge.APIError
			if !errors.Is(res[1].Err, billbridge.ErrOutcomeUnknown) || !errors.As(res[1].Err, &ae) || ae.Retryable {
				t.Errorf("unkeyed item: %v, want ErrOutcomeUnknown, not retryable", res[1].Err)
			}
			if n := srv.Count(chargeovertest.OpBulk, 0); n != 1 {
				t.Errorf("%d bulk calls, want 1", n)
			}
			if n := companyCounts(srv)["Company rnokey-001"]; n != 1 {
				t.Errorf("unkeyed customer exists %d times, want 1 (created once, never re-sent)", n)
			}
		}},
		{"500 with no key: ErrOutcomeUnknown carrying ChargeOver's message", []fault.Kind{fault.Status500}, []chargeover.CustomerCreate{cust("", "Lone Co")}, func(t *testing.T, srv *chargeovertest.Server, res []billbridge.Result[int64]) {
			var ae *billbridge.APIError
			if !errors.Is(res[0].Err, billbridge.ErrOutcomeUnknown) || !errors.As(res[0].Err, &ae) || ae.StatusCode != 500 || ae.Message != "An internal error occurred." || res[0].Status != 500 {
				t.Errorf("got %+v (%v)", res[0], res[0].Err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: tt.seq}))
			c := newClient(t, srv)
			res := c.CreateCustomers(context.Background(), tt.items)
			if len(res) != len(tt.items) {
				t.Fatalf("%d results for %d items", len(res), len(tt.items))
			}
			tt.check(t, srv, res)
			for _, it := range tt.items {
				if it.ExternalKey != nil && srv.CountByExternalKey(*it.ExternalKey) > 1 {
					t.Errorf("key %s duplicated", *it.ExternalKey)
				}
			}
		})
	}
}

// wantCreated checks that every result succeeded, that the first took
// attempts0 attempts, and the Existing flag.
func wantCreated(t *testing.T, res []billbridge.Result[int64], attempts0 int, existing bool) {
	t.Helper()
	for i, r := range res {
		if r.Err != nil || r.Existing != existing || r.Value == 0 {
			t.Errorf("item %d: %+v (%v), want success with Existing=%t", i, r, r.Err, existing)
		}
	}
	if res[0].Attempts != attempts0 {
		t.Errorf("item 0 took %d attempts, want %d", res[0].Attempts, attempts0)
	}
}

func TestUnauthorizedIsNotRetriedAndHidesSecrets(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c, err := chargeover.New(option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, "wrong-private-key-123"), option.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	res := c.CreateCustomers(context.Background(), customers("auth", 2, false))
	var ae *billbridge.APIError
	if !errors.As(res[0].Err, &ae) || ae.StatusCode != 401 || ae.Retryable || res[0].Attempts != 1 {
		t.Fatalf("got %+v (%v), want a 401 after one attempt", res[0], res[0].Err)
	}
	if msg := res[0].Err.Error(); strings.Contains(msg, "wrong-private-key-123") || strings.Contains(msg, srv.Username) {
		t.Errorf("error text leaks a credential: %s", msg)
	}
	if _, err := c.GetCustomerByExternalKey(context.Background(), "x"); !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("read: %v, want 401", err)
	}
}

// hookTransport runs hook after each response, to change the fake's state
// between two requests of the facade.
type hookTransport struct {
	base http.RoundTripper
	hook func(*http.Request, *http.Response)
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.base.RoundTrip(r)
	if err == nil {
		h.hook(r, resp)
	}
	return resp, err
}

// A 400 "key in use" after an earlier attempt of ours is settled by reading
// back (the customer is ours: Existing); the same 400 on a first attempt is
// reported as is (TestPoisonItemsIsolated).
func TestKeyRefusedAfterEarlierAttemptIsSettled(t *testing.T) {
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status502}}))
	seeded := false
	hc := &http.Client{Transport: hookTransport{base: http.DefaultTransport, hook: func(r *http.Request, resp *http.Response) {
		// The read after the 502 finds nothing; before the item is sent
		// again, the first attempt's effect "lands" late.
		if r.Method == http.MethodGet && resp.StatusCode == 404 && !seeded {
			seeded = true
			srv.Seed(cust("late-1", "Late Landing"))
		}
	}}}
	c := newClient(t, srv, option.WithHTTPClient(hc))
	for _, single := range []bool{false, true} {
		var r billbridge.Result[int64]
		if single {
			srv.Seed(cust("late-2", "Late Two"))
			r = chargeover.CreateOne(c, context.Background(), cust("late-2", "Late Two"))
			// The key is in use by a customer holding this item's data
			// (an earlier run created it): the item exists.
			if r.Err != nil || !r.Existing || r.ID == "" {
				t.Errorf("single create of a key in use with the same data: %+v (%v), want Existing", r, r.Err)
			}
			continue
		}
		r = c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{cust("late-1", "Late Landing")})[0]
		want, _ := srv.CustomerByExternalKey("late-1")
		if r.Err != nil || !r.Existing || r.ID != want.CustomerId.String() || r.Status != 200 {
			t.Errorf("got %+v (%v), want Existing customer %s", r, r.Err, want.CustomerId)
		}
		if srv.CountByExternalKey("late-1") != 1 {
			t.Errorf("late-1 duplicated")
		}
	}
}

func TestCreateCustomerSingle(t *testing.T) {
	// Each keyed create reads its key first (one GET), then sends.
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{
		fault.None, fault.None, // one-1: lookup, create
		fault.None, fault.DropAfter, fault.None, // one-2: lookup, create (lost answer), read back
		fault.Status500,                         // Three: no key, no lookup
		fault.None, fault.Status504, fault.None, // one-4: lookup, create, read back (absent), create again
	}}))
	c := newClient(t, srv)
	ctx := context.Background()
	r := chargeover.CreateOne(c, ctx, cust("one-1", "One"))
	if r.Err != nil || r.Status != 201 || r.Attempts != 2 || r.ID != "1000" || r.Value != 1000 {
		t.Errorf("plain create: %+v", r)
	}
	r = chargeover.CreateOne(c, ctx, cust("one-2", "Two")) // dropped after acting, read back
	if r.Err != nil || !r.Existing || r.Outcome != billbridge.Created || r.Value != 1001 || r.Attempts != 3 {
		t.Errorf("dropped create: %+v (%v)", r, r.Err)
	}
	r = chargeover.CreateOne(c, ctx, cust("", "Three")) // 500, no key
	if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || r.Status != 500 {
		t.Errorf("500 without key: %+v", r)
	}
	r = chargeover.CreateOne(c, ctx, cust("one-4", "Four")) // 504, read back 404, sent again
	if r.Err != nil || r.Existing || r.Attempts != 4 {
		t.Errorf("504 with key: %+v (%v)", r, r.Err)
	}
	r = chargeover.CreateOne(c, ctx, cust("one-5", ""))
	var ve *billbridge.ValidationError
	if !errors.As(r.Err, &ve) || ve.Field != "company" {
		t.Errorf("invalid: %v", r.Err)
	}
	if n := srv.Count(chargeovertest.OpCreateCustomer, 0); n != 5 {
		t.Errorf("%d createCustomer calls, want 5", n)
	}
}

func TestCustomerByExternalKey(t *testing.T) {
	srv := chargeovertest.NewTestServer(t,
		chargeovertest.WithCustomers(cust("k 1 ü%", "Slash Key"), cust("erp/acme/1", "Path Key")),
		chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status500, fault.DropBefore}}))
	c := newClient(t, srv)
	got, err := c.GetCustomerByExternalKey(context.Background(), "k 1 ü%")
	if err != nil || got.Company == nil || *got.Company != "Slash Key" || got.CustomerId.String() != "1000" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if n := srv.Count(chargeovertest.OpGetCustomerByExternalKey, 0); n != 3 {
		t.Errorf("%d reads, want 3 (500 and a dropped connection retried)", n)
	}
	// A "/" inside a key travels as %2F and must not split the path.
	if got, err := c.GetCustomerByExternalKey(context.Background(), "erp/acme/1"); err != nil || *got.Company != "Path Key" {
		t.Fatalf("key with slashes: %+v, %v", got, err)
	}
	_, err = c.GetCustomerByExternalKey(context.Background(), "nope")
	var ae *billbridge.APIError
	if !errors.Is(err, billbridge.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Operation != "getCustomerByExternalKey" {
		t.Errorf("missing: %v", err)
	}
	if _, err := c.GetCustomerByExternalKey(context.Background(), ""); err == nil {
		t.Error("empty key accepted")
	}
}

func TestCreateCustomersSeqStreams(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv, option.WithBatchSize(10), option.WithConcurrency(3))
	const n = 137
	seq := func(yield func(chargeover.CustomerCreate) bool) {
		for _, it := range customers("seq", n, true) {
			if !yield(it) {
				return
			}
		}
	}
	i := 0
	for r := range c.CreateCustomersSeq(context.Background(), seq) {
		if r.Index != i || r.Err != nil {
			t.Fatalf("result %d: %+v", i, r)
		}
		i++
	}
	if i != n || len(srv.Customers()) != n {
		t.Errorf("%d results, %d customers; want %d", i, len(srv.Customers()), n)
	}
	// Breaking out stops sending: at most the chunks the window prepares
	// ahead (2×Concurrency+1) go out, each with its keys' lookup and its
	// create; a full re-run would create every one of the 68 items
	// without a key again.
	before, customersBefore := srv.Count(chargeovertest.OpBulk, 0), len(srv.Customers())
	for range c.CreateCustomersSeq(context.Background(), seq) {
		break
	}
	const window = 2*3 + 1
	if sent := srv.Count(chargeovertest.OpBulk, 0) - before; sent > 2*window {
		t.Errorf("%d bulk calls after an early break, want at most %d", sent, 2*window)
	}
	if created := len(srv.Customers()) - customersBefore; created > window*5 {
		t.Errorf("%d customers created after an early break, want at most %d (the window's unkeyed items)", created, window*5)
	}
}

// Cancelling mid-batch leaves every item with a result: created, not sent
// (safe to send again), or unknown; and nothing is duplicated.
func TestCancelMidBatch(t *testing.T) {
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Latency: 20 * time.Millisecond}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(t, srv, option.WithBatchSize(5), option.WithConcurrency(2), option.WithProgress(func(p billbridge.Progress) {
		if p.Done >= 10 {
			cancel()
		}
	}))
	in := customers("cancel", 100, true)
	res := c.CreateCustomers(ctx, in)
	if len(res) != len(in) {
		t.Fatalf("%d results for %d items", len(res), len(in))
	}
	var ok, notSent, unknownN int
	for i, r := range res {
		switch {
		case r.Index != i:
			t.Fatalf("result %d has index %d", i, r.Index)
		case r.Err == nil:
			ok++
		case errors.Is(r.Err, billbridge.ErrNotSent):
			notSent++
			if in[i].ExternalKey != nil && srv.CountByExternalKey(*in[i].ExternalKey) != 0 {
				t.Errorf("item %d reported not sent but exists", i)
			}
		case errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || errors.Is(r.Err, context.Canceled):
			unknownN++
		default:
			t.Errorf("item %d: unexpected error %v", i, r.Err)
		}
	}
	t.Logf("cancelled: %d created, %d not sent, %d unknown", ok, notSent, unknownN)
	if ok < 10 || notSent == 0 {
		t.Errorf("want >= 10 created and some not sent; got %d, %d", ok, notSent)
	}
	for name, n := range companyCounts(srv) {
		if n > 1 {
			t.Errorf("%s created %d times", name, n)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
