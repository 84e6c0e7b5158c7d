package meteroid_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// ids collects a walk: the ids in order and the error it ended with.
func ids(seq func(func(meteroid.Customer, error) bool)) ([]string, error) {
	var out []string
	for c, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, c.Id)
	}
	return out, nil
}

func seededIDs(srv *meteroidtest.Server) []string {
	var out []string
	for _, c := range srv.Customers() {
		out = append(out, c.Id)
	}
	return out // creation order: what ListCustomers' created_at.asc yields
}

func TestListCustomersWalksEveryPage(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(25))
	c := newClient(t, srv)
	for _, tc := range []struct{ size, requests int }{{7, 4}, {25, 1}, {0, 1}, {100, 1}, {1, 25}} {
		before := srv.Count("listCustomers", 0)
		got, err := ids(c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: tc.size}))
		if err != nil {
			t.Fatal(err)
		}
		if want := seededIDs(srv); !slices.Equal(got, want) {
			t.Errorf("page size %d: %v, want %v", tc.size, got, want)
		}
		if n := srv.Count("listCustomers", 0) - before; n != tc.requests {
			t.Errorf("page size %d: %d requests, want %d", tc.size, n, tc.requests)
		}
	}
	// An empty tenant: one request, nothing yielded.
	empty := meteroidtest.NewTestServer(t)
	if got, err := ids(newClient(t, empty).ListCustomers(context.Background(), meteroid.CustomerQuery{})); err != nil || len(got) != 0 || empty.Count("listCustomers", 0) != 1 {
		t.Errorf("empty: %v %v after %d requests", got, err, empty.Count("listCustomers", 0))
	}
}

func TestListCustomersFilters(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(
		meteroidapi.Customer{Id: "cus_1", Name: "Acme GmbH", Alias: ptr("acme-de")},
		meteroidapi.Customer{Id: "cus_2", Name: "Globex", Alias: ptr("globex")},
		meteroidapi.Customer{Id: "cus_3", Name: "Acme SARL", Alias: ptr("acme-fr")},
	))
	c := newClient(t, srv)
	ctx := context.Background()
	if err := c.ArchiveCustomer(ctx, "acme-fr"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    meteroid.CustomerQuery
		want string
	}{
		{meteroid.CustomerQuery{}, "[cus_1 cus_2]"},
		{meteroid.CustomerQuery{Search: "acme"}, "[cus_1]"},
		{meteroid.CustomerQuery{Search: "acme", Archived: ptr(true)}, "[cus_3]"},
		{meteroid.CustomerQuery{Archived: ptr(false), PageSize: 1}, "[cus_1 cus_2]"},
	} {
		got, err := ids(c.ListCustomers(ctx, tc.q))
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("%+v: %v %v, want %s", tc.q, got, err, tc.want)
		}
	}
}

func TestListCustomersBreakSendsNoFurtherRequest(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(20))
	c := newClient(t, srv)
	n := 0
	for _, err := range c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || srv.Count("listCustomers", 0) != 1 {
		t.Errorf("%d items, %d requests; want 1 and 1", n, srv.Count("listCustomers", 0))
	}
}

func TestListCustomersCancelledMidPage(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(20))
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var items, errs int
	for _, err := range c.ListCustomers(ctx, meteroid.CustomerQuery{PageSize: 5}) {
		if err != nil {
			errs++
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			continue
		}
		items++
		if items == 2 {
			cancel()
		}
	}
	if items != 2 || errs != 1 || srv.Count("listCustomers", 0) != 1 {
		t.Errorf("%d items, %d errors, %d requests; want 2, 1, 1", items, errs, srv.Count("listCustomers", 0))
	}
}

func TestListCustomersRetriesAFailedPage(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(12), meteroidtest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.None, fault.Status503, fault.Status500, fault.DropBefore}}))
	c := newClient(t, srv)
	got, err := ids(c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: 5}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, seededIDs(srv)) {
		t.Errorf("got %v", got)
	}
	if n := srv.Count("listCustomers", 0); n != 6 { // 3 pages, the second after three failures
		t.Errorf("%d requests, want 6", n)
	}
}

func TestListCustomersPageFailsForGood(t *testing.T) {
	seq := []fault.Kind{fault.None}
	for range 6 { // the first attempt and fastRetry's 5 retries
		seq = append(seq, fault.Status500)
	}
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(12), meteroidtest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	var items []string
	var errs []error
	for cu, err := range c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: 5}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, cu.Id)
	}
	var ae *billbridge.APIError
	if len(items) != 5 || len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 500 || ae.Operation != "listCustomers" {
		t.Fatalf("%d items, errors %v; want the first page and one 500", len(items), errs)
	}
	if n := srv.Count("listCustomers", 0); n != 7 {
		t.Errorf("%d requests, want 7 (no page after the failed one)", n)
	}
}

// Customers created between pages land after the walk's position
// (ListCustomers sends created_at.asc; under the server's default,
// created_at.desc, each would land before it and shift every page): none is
// yielded twice, and every seeded customer is yielded, in creation order.
func TestListCustomersInsertsBetweenPages(t *testing.T) {
	var seed []meteroidapi.Customer
	for i := range 30 {
		seed = append(seed, meteroidapi.Customer{Id: fmt.Sprintf("cus_z%02d", i), Name: fmt.Sprintf("Seed %d", i)})
	}
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(seed...))
	c := newClient(t, srv)
	ctx := context.Background()
	seen := map[string]int{}
	n := 0
	for cu, err := range c.ListCustomers(ctx, meteroid.CustomerQuery{PageSize: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[cu.Id]++
		if n++; n%7 == 0 { // the end of a page: three creates before the next
			for range 3 {
				if _, err := c.CreateCustomer(ctx, meteroid.CustomerCreate{Name: "Inserted", Currency: meteroid.CurrencyEUR}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s yielded %d times", id, k)
		}
	}
	for _, s := range seed {
		if seen[s.Id] != 1 {
			t.Errorf("%s, there throughout, was skipped", s.Id)
		}
	}
	if len(seen) <= len(seed) {
		t.Errorf("%d yielded: the customers created during the walk, after its position, should show", len(seen))
	}
	if srv.Created() == 0 {
		t.Fatal("nothing was inserted")
	}
}

func TestListCustomersPageSizeOutOfRange(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv)
	for _, size := range []int{meteroid.MaxPageSize + 1, -1} {
		var errs []error
		for _, err := range c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: size}) {
			errs = append(errs, err)
		}
		var ve *billbridge.ValidationError
		if len(errs) != 1 || !errors.As(errs[0], &ve) || ve.Field != "page_size" {
			t.Errorf("page size %d: %v", size, errs)
		}
	}
	if n := srv.Count("", 0); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func createItem(alias, name string) meteroid.CustomerCreate {
	item := meteroid.CustomerCreate{Name: name, Currency: meteroid.CurrencyEUR, InvoicingEmails: []string{"ap@" + alias + ".example"},
		CustomTaxes: []meteroid.CustomTax{{Name: "VAT", Rate: "0.20", TaxCode: "FR"}}, BillingAddress: &meteroid.Address{Country: ptr("fr"), City: ptr("Paris")}}
	if alias != "" {
		item.Alias = &alias
	}
	return item
}

func TestCreateCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(meteroidapi.Customer{Id: "cus_taken", Name: "Taken", Alias: ptr("taken")}))
	c := newClient(t, srv)
	items := []meteroid.CustomerCreate{createItem("a", "A"), {Name: "No currency"}, createItem("taken", "Other"), createItem("", "No alias"), {Name: "Minimal", Currency: meteroid.CurrencyUSD}}
	rs := c.CreateCustomers(context.Background(), items)
	if len(rs) != len(items) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
	}
	for _, i := range []int{0, 3, 4} {
		r := rs[i]
		got, ok := srv.Customer(r.ID)
		if !r.OK() || r.Status != 201 || r.Existing || !ok || got.Name != items[i].Name || r.Value.Id != r.ID {
			t.Errorf("item %d: %+v (stored %v)", i, r, ok)
		}
	}
	if got, _ := srv.Customer("a"); *got.BillingAddress.Country != "FR" {
		t.Errorf("country %q", *got.BillingAddress.Country)
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[1].Err, &ve) || ve.Index != 1 || ve.Field != "currency" {
		t.Errorf("item 1: %v", rs[1].Err)
	}
	var ae *billbridge.APIError
	// The alias is another customer's: found by the lookup before any
	// create (one page of the list indexes this small account), compared,
	// a conflict naming the first differing field, nothing sent.
	if !errors.Is(rs[2].Err, billbridge.ErrConflict) || !errors.As(rs[2].Err, &ae) || ae.StatusCode != 200 || ae.Code != "conflict" ||
		ae.Param != "billing_address/city" || rs[2].Existing || rs[2].Outcome != billbridge.Conflict || !hasChange(rs[2].Changes, "name") {
		t.Errorf("item 2: %v %+v", rs[2].Err, rs[2].Changes)
	}
	if srv.Created() != 3 || srv.Count("listCustomers", 0) != 1 || srv.Count("getCustomer", 0) != 0 {
		t.Errorf("created %d, listed %d, read %d times; want 3, 1, 0", srv.Created(), srv.Count("listCustomers", 0), srv.Count("getCustomer", 0))
	}
	// A re-run of the same items: the created ones exist (same data), the
	// conflict stays one, nothing is created twice.
	again := c.CreateCustomers(context.Background(), items)
	if !again[0].Existing || again[0].Outcome != billbridge.Unchanged || again[0].ID != rs[0].ID || !errors.Is(again[2].Err, billbridge.ErrConflict) || srv.Created() != 3+2 {
		t.Errorf("re-run: %+v / %v; created %d", again[0], again[2].Err, srv.Created())
	}
}

// The server created the customer but the answer was lost: read back by
// alias, found with the item's data, the result is Existing with its id.
func TestCreateSettledByAlias(t *testing.T) {
	for _, kind := range []fault.Kind{fault.DropAfter, fault.TruncatedJSON} {
		t.Run(string(kind), func(t *testing.T) {
			// The first request is the lookup (a list page), the second the create.
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, kind}}))
			c := newClient(t, srv)
			r := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{createItem("acme", "Acme")})[0]
			stored, _ := srv.Customer("acme")
			if !r.OK() || !r.Existing || r.Outcome != billbridge.Created || r.ID != stored.Id || r.Value.Name != "Acme" || srv.Created() != 1 || r.Attempts != 3 { // lookup, create, read back
				t.Fatalf("%+v; created %d", r, srv.Created())
			}
		})
	}
}

// A 5xx before the server acted: read back, not found, sent again.
func TestCreateSentAgainWhenNotCreated(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.Status500, fault.None, fault.Status502}}))
	c := newClient(t, srv)
	r := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{createItem("acme", "Acme")})[0]
	if !r.OK() || r.Existing || r.Status != 201 || srv.Created() != 1 || srv.Count("createCustomer", 0) != 3 || srv.Count("getCustomer", 404) != 3 { // the lookup, then a read back after each failed send
		t.Fatalf("%+v; created %d after %d POSTs", r, srv.Created(), srv.Count("createCustomer", 0))
	}
	// Every send fails before acting: the rounds run out; read back after
	// each, the customer is absent, but an effect that lands late cannot be
	// ruled out: the outcome stays unknown.
	seq := []fault.Kind{fault.None}
	for range 3 {
		seq = append(seq, fault.Status503, fault.None)
	}
	srv = meteroidtest.NewTestServer(t, meteroidtest.WithFaults(fault.Config{Sequence: seq}))
	c = newClient(t, srv)
	r = c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{createItem("acme", "Acme")})[0]
	if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || srv.Count("createCustomer", 0) != 3 || srv.Created() != 0 {
		t.Fatalf("%v after %d POSTs", r.Err, srv.Count("createCustomer", 0))
	}
}

// Found by its alias, but with other data: a conflict naming the id and the
// first field that differs, never a success.
func TestCreateSettledConflict(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(meteroidapi.Customer{Id: "cus_other", Name: "Someone else", Alias: ptr("acme")}),
		meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status500}}))
	c := newClient(t, srv)
	_, err := c.CreateCustomer(context.Background(), createItem("acme", "Acme"))
	if !errors.Is(err, billbridge.ErrConflict) || !strings.Contains(err.Error(), "cus_other") || !strings.Contains(err.Error(), "billing_address/city") {
		t.Fatalf("err = %v", err)
	}
	if srv.Created() != 0 {
		t.Errorf("created %d", srv.Created())
	}
}

// Without an alias nothing can be read back: the outcome stays unknown.
func TestCreateWithoutAliasStaysUnknown(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropAfter}}))
	c := newClient(t, srv)
	r := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{createItem("", "Acme")})[0]
	if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || srv.Created() != 1 || srv.Count("createCustomer", 0) != 1 || srv.Count("getCustomer", 0) != 0 {
		t.Fatalf("%v; created %d", r.Err, srv.Created())
	}
}

func TestArchiveCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3),
		meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status503, fault.DropAfter}}))
	c := newClient(t, srv, option.WithConcurrency(1)) // the faults hit the items in order
	rs := c.ArchiveCustomers(context.Background(), []string{"cus_0", "alias-1", "nobody", ""})
	if len(rs) != 4 {
		t.Fatalf("%d results", len(rs))
	}
	if r := rs[0]; !r.OK() || r.ID != "cus_0" || r.Value != "cus_0" || r.Status != 204 || r.Attempts != 3 {
		t.Errorf("item 0 (retried after 503 and a dropped answer): %+v", r)
	}
	if r := rs[1]; !r.OK() || r.ID != "" || r.Value != "alias-1" || r.Status != 204 {
		t.Errorf("item 1: %+v", r)
	}
	if !errors.Is(rs[2].Err, billbridge.ErrNotFound) || rs[2].Status != 404 {
		t.Errorf("item 2: %+v", rs[2])
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[3].Err, &ve) || ve.Index != 3 {
		t.Errorf("item 3: %v", rs[3].Err)
	}
	if !srv.Archived("cus_0") || !srv.Archived("cus_1") || srv.Archived("cus_2") {
		t.Error("wrong customers archived")
	}
	if got, err := ids(c.ListCustomers(context.Background(), meteroid.CustomerQuery{})); err != nil || fmt.Sprint(got) != "[cus_2]" {
		t.Errorf("listed after archiving: %v %v", got, err)
	}
	if err := c.ArchiveCustomer(context.Background(), "nobody"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("ArchiveCustomer(nobody) = %v", err)
	}
}

// The first send's effect lands late: its answer is a 500, the read-back
// finds nothing, and when the item is sent again the first request arrives
// just before it, so the second answer is 409. The 409 of a later send is
// settled by reading back again: found with the item's data, Existing.
func TestCreateLateLandingSettled(t *testing.T) {
	srv := meteroidtest.NewTestServer(t)
	posts := 0
	late := option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		if req.Method != http.MethodPost {
			return next(req)
		}
		posts++
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		again := func() *http.Request {
			r := req.Clone(req.Context())
			r.Body = io.NopCloser(bytes.NewReader(body))
			return r
		}
		switch posts {
		case 1: // held back: the caller sees a 500
			return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
				Body: io.NopCloser(strings.NewReader(`{"code":"INTERNAL_SERVER_ERROR","message":"timeout"}`))}, nil
		case 2: // the first request lands now, then the second
			resp, err := next(again())
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
		}
		return next(again())
	})
	c := newClient(t, srv)
	r := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{createItem("acme", "Acme")}, late)[0]
	stored, _ := srv.Customer("acme")
	if !r.OK() || !r.Existing || r.ID != stored.Id || srv.Created() != 1 || srv.Count("createCustomer", 409) != 1 || srv.Count("getCustomer", 0) != 3 { // lookup, read back after the 500 and after the 409
		t.Fatalf("%+v (%v); created %d, 409s %d", r, r.Err, srv.Created(), srv.Count("createCustomer", 409))
	}
}

func hasChange(cs []billbridge.Change, field string) bool {
	for _, c := range cs {
		if c.Field == field {
			return true
		}
	}
	return false
}
