package chargeover_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
)

// seeded returns a fake holding n customers "c-000".. with keys "k-000"..,
// companies "Company c-000".. and, for even i, an e-mail address.
func seeded(t *testing.T, n int, opts ...chargeovertest.Option) *chargeovertest.Server {
	t.Helper()
	srv := chargeovertest.NewTestServer(t, opts...)
	in := make([]chargeover.CustomerCreate, n)
	for i := range in {
		in[i] = cust(fmt.Sprintf("k-%03d", i), fmt.Sprintf("Company c-%03d", i))
		if i%2 == 0 {
			in[i].SuperuserEmail = ptr(fmt.Sprintf("c%d@example.com", i))
		}
	}
	srv.Seed(in...)
	return srv
}

// collect walks seq and returns the customer_ids and the errors.
func collect(t *testing.T, seq func(func(chargeover.Customer, error) bool)) ([]int64, []error) {
	t.Helper()
	var ids []int64
	var errs []error
	for c, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id, perr := c.CustomerId.Int64()
		if perr != nil {
			t.Fatalf("customer_id %q: %v", c.CustomerId, perr)
		}
		ids = append(ids, id)
	}
	return ids, errs
}

func TestListCustomersEveryPageSize(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 53)
	c := newClient(t, srv)
	for _, size := range []int{0, 1, 7, 53, 100, chargeover.MaxPageSize} {
		before := srv.Count(chargeovertest.OpListCustomers, 0)
		ids, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: size}))
		if len(errs) > 0 || len(ids) != 53 {
			t.Fatalf("page size %d: %d customers, errors %v", size, len(ids), errs)
		}
		for i, id := range ids {
			if id != int64(1000+i) {
				t.Fatalf("page size %d: customer %d has id %d, want %d (customer_id ascending)", size, i, id, 1000+i)
			}
		}
		eff := size
		if eff == 0 {
			eff = chargeover.DefaultPageSize
		}
		want := 53/eff + 1 // the last page is short (or empty)
		if got := srv.Count(chargeovertest.OpListCustomers, 0) - before; got != want {
			t.Errorf("page size %d: %d requests, want %d", size, got, want)
		}
	}
}

func TestListCustomersPageSizeAboveMaximum(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 3)
	c := newClient(t, srv)
	for _, size := range []int{chargeover.MaxPageSize + 1, -1} {
		ids, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: size}))
		var ve *billbridge.ValidationError
		if len(ids) != 0 || len(errs) != 1 || !errors.As(errs[0], &ve) || ve.Field != "page_size" {
			t.Errorf("page size %d: ids %v, errors %v", size, ids, errs)
		}
	}
	for _, q := range []chargeover.CustomerQuery{
		{Where: []chargeover.Condition{{Field: "bad field", Op: chargeover.Equals, Value: "x"}}},
		{Where: []chargeover.Condition{{Field: "company", Op: "LIKE", Value: "x"}}},
		{Order: []chargeover.SortKey{{Field: "company;"}}},
	} {
		_, errs := collect(t, c.ListCustomers(context.Background(), q))
		var ve *billbridge.ValidationError
		if len(errs) != 1 || !errors.As(errs[0], &ve) {
			t.Errorf("query %+v: errors %v, want one ValidationError", q, errs)
		}
	}
	if n := srv.Count(chargeovertest.OpListCustomers, 0); n != 0 {
		t.Errorf("%d requests sent for invalid queries", n)
	}
}

func TestListCustomersBreakSendsNoMoreRequests(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 20)
	c := newClient(t, srv)
	n := 0
	for _, err := range c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || srv.Count(chargeovertest.OpListCustomers, 0) != 1 {
		t.Errorf("%d items, %d requests; want 1 and 1", n, srv.Count(chargeovertest.OpListCustomers, 0))
	}
}

func TestListCustomersCancelMidPage(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 20)
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ids []int64
	var errs []error
	for cu, err := range c.ListCustomers(ctx, chargeover.CustomerQuery{PageSize: 5}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id, _ := cu.CustomerId.Int64()
		ids = append(ids, id)
		if len(ids) == 2 {
			cancel() // mid-page: three customers of this page are left
		}
	}
	if len(ids) != 2 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("ids %v, errors %v; want 2 ids and context.Canceled once", ids, errs)
	}
	if n := srv.Count(chargeovertest.OpListCustomers, 0); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestListCustomersPageRetriedAfter5xx(t *testing.T) {
	t.Parallel()
	// The first page passes, the second meets a 503 and a 500, then passes.
	srv := seeded(t, 12, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.Status503, fault.Status500}}))
	c := newClient(t, srv)
	ids, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: 5}))
	if len(errs) != 0 || len(ids) != 12 {
		t.Fatalf("%d customers, errors %v", len(ids), errs)
	}
	if n503, n500 := srv.Count(chargeovertest.OpListCustomers, 503), srv.Count(chargeovertest.OpListCustomers, 500); n503 != 1 || n500 != 1 {
		t.Errorf("503s %d, 500s %d; want 1 and 1", n503, n500)
	}
}

func TestListCustomersPageFailsForGood(t *testing.T) {
	t.Parallel()
	seq := []fault.Kind{fault.None}
	for range 10 {
		seq = append(seq, fault.Status502)
	}
	srv := seeded(t, 12, chargeovertest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	ids, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: 5}, option.WithMaxRetries(2)))
	var ae *billbridge.APIError
	if len(ids) != 5 || len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 502 || ae.Operation != "listCustomers" {
		t.Fatalf("ids %v, errors %v; want the first page and one 502", ids, errs)
	}
	if n := srv.Count(chargeovertest.OpListCustomers, 502); n != 3 {
		t.Errorf("%d attempts at the failing page, want 3", n)
	}
}

func TestListCustomersInsertsBetweenPages(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 20)
	c := newClient(t, srv)
	seen := map[int64]int{}
	n := 0
	for cu, err := range c.ListCustomers(context.Background(), chargeover.CustomerQuery{PageSize: 6}) {
		if err != nil {
			t.Fatal(err)
		}
		id, _ := cu.CustomerId.Int64()
		seen[id]++
		if n++; n%6 == 1 {
			// Between pages (the page is read; the next is not): new customers.
			srv.Seed(cust("", fmt.Sprintf("New %d-a", n)), cust("", fmt.Sprintf("New %d-b", n)))
		}
	}
	for id := int64(1000); id < 1020; id++ {
		if seen[id] != 1 {
			t.Errorf("customer %d yielded %d times, want once", id, seen[id])
		}
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("customer %d yielded %d times", id, k)
		}
	}
}

func TestListCustomersOtherOrderDropsRepeats(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 15) // companies "Company c-000".. sort as their ids
	c := newClient(t, srv)
	seen := map[int64]int{}
	n := 0
	q := chargeover.CustomerQuery{Order: []chargeover.SortKey{{Field: "company"}}, PageSize: 4}
	for cu, err := range c.ListCustomers(context.Background(), q) {
		if err != nil {
			t.Fatal(err)
		}
		id, _ := cu.CustomerId.Int64()
		seen[id]++
		if n++; n == 4 {
			// Two customers that sort first: the later pages shift forward
			// by two, so two customers come back a second time.
			srv.Seed(cust("", "AAA 1"), cust("", "AAA 2"))
		}
	}
	for id := int64(1000); id < 1015; id++ {
		if seen[id] != 1 {
			t.Errorf("customer %d yielded %d times, want once", id, seen[id])
		}
	}
	if len(seen) != 15 {
		t.Errorf("%d customers yielded, want the 15 that sort after the inserted ones", len(seen))
	}
}

func TestListCustomersFilters(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 10)
	srv.Seed(cust("odd:key,with\\escapes", "Colon: Comma, Inc."))
	c := newClient(t, srv)
	cond := func(field string, op chargeover.Operator, value string) []chargeover.Condition {
		return []chargeover.Condition{{Field: field, Op: op, Value: value}}
	}
	for _, tc := range []struct {
		name  string
		where []chargeover.Condition
		want  []int64
	}{
		{"equals", cond("superuser_email", chargeover.Equals, "c4@example.com"), []int64{1004}},
		{"not equals", cond("external_key", chargeover.NotEquals, "k-000"), []int64{1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010}},
		{"greater", cond("customer_id", chargeover.GreaterThan, "1008"), []int64{1009, 1010}},
		{"less", cond("customer_id", chargeover.LessThan, "1002"), []int64{1000, 1001}},
		{"greater or equal", cond("customer_id", chargeover.GreaterOrEqual, "1009"), []int64{1009, 1010}},
		{"less or equal", cond("customer_id", chargeover.LessOrEqual, "1001"), []int64{1000, 1001}},
		{"contains, any case", cond("company", chargeover.Contains, "C-00"), []int64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009}},
		{"is null", cond("superuser_email", chargeover.IsNull, ""), []int64{1001, 1003, 1005, 1007, 1009, 1010}},
		{"is not null", cond("superuser_email", chargeover.IsNotNull, ""), []int64{1000, 1002, 1004, 1006, 1008}},
		{"escaped value", cond("external_key", chargeover.Equals, "odd:key,with\\escapes"), []int64{1010}},
		{"escaped contains", cond("company", chargeover.Contains, ": comma,"), []int64{1010}},
		{"all conditions hold", []chargeover.Condition{
			{Field: "customer_id", Op: chargeover.GreaterOrEqual, Value: "1002"},
			{Field: "superuser_email", Op: chargeover.IsNotNull},
			{Field: "company", Op: chargeover.Contains, Value: "c-00"},
		}, []int64{1002, 1004, 1006, 1008}},
	} {
		ids, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{Where: tc.where, PageSize: 3}))
		if len(errs) != 0 || fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("%s: ids %v, errors %v; want %v", tc.name, ids, errs, tc.want)
		}
	}
	// Descending order, and an unknown field refused by the provider (400).
	ids, _ := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{Order: []chargeover.SortKey{{Field: "customer_id", Desc: true}}, PageSize: 4}))
	if len(ids) != 11 || ids[0] != 1010 || ids[10] != 1000 {
		t.Errorf("descending: %v", ids)
	}
	_, errs := collect(t, c.ListCustomers(context.Background(), chargeover.CustomerQuery{Where: cond("nosuch", chargeover.Equals, "x")}))
	var ae *billbridge.APIError
	if len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 400 {
		t.Errorf("unknown field: %v", errs)
	}
}

func TestGetCustomer(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 3)
	c := newClient(t, srv)
	got, err := c.GetCustomer(context.Background(), 1001)
	if err != nil || got.CustomerId != "1001" || *got.ExternalKey != "k-001" {
		t.Fatalf("GetCustomer: %+v, %v", got, err)
	}
	_, err = c.GetCustomer(context.Background(), 4242)
	var ae *billbridge.APIError
	if !errors.Is(err, billbridge.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Operation != "getCustomer" {
		t.Errorf("missing customer: %v", err)
	}
	var ve *billbridge.ValidationError
	if _, err := c.GetCustomer(context.Background(), 0); !errors.As(err, &ve) {
		t.Errorf("id 0: %v", err)
	}
	// By external key still works beside the id route.
	if got, err := c.GetCustomerByExternalKey(context.Background(), "k-002"); err != nil || got.CustomerId != "1002" {
		t.Errorf("by key: %v, %v", got, err)
	}
}

func TestUpdateCustomers(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 30)
	c := newClient(t, srv)
	var in []chargeover.CustomerUpdate
	for i := range 30 {
		in = append(in, chargeover.CustomerUpdate{ID: int64(1000 + i), Customer: chargeover.CustomerChanges{BillCity: ptr(fmt.Sprintf("City %d", i))}})
	}
	in = append(in,
		chargeover.CustomerUpdate{ID: 4242, Customer: chargeover.CustomerChanges{BillCity: ptr("Nowhere")}},      // 30: no such customer
		chargeover.CustomerUpdate{ID: 1000, Customer: chargeover.CustomerChanges{ExternalKey: ptr("k-001")}},     // 31: key in use
		chargeover.CustomerUpdate{ID: 0, Customer: chargeover.CustomerChanges{BillCity: ptr("x")}},               // 32: invalid id
		chargeover.CustomerUpdate{ID: 1001, Customer: chargeover.CustomerChanges{}},                              // 33: changes nothing
		chargeover.CustomerUpdate{ID: 1002, Customer: chargeover.CustomerChanges{ExternalKey: ptr("k-002-new")}}, // 34: a new key
	)
	res := c.UpdateCustomers(context.Background(), in)
	if len(res) != len(in) {
		t.Fatalf("%d results for %d items", len(res), len(in))
	}
	for i := range 30 {
		if r := res[i]; r.Err != nil || r.Value != int64(1000+i) || r.ID != strconv.Itoa(1000+i) || r.Status != 202 || r.Index != i {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	var ae *billbridge.APIError
	if r := res[30]; !errors.Is(r.Err, billbridge.ErrNotFound) || r.Status != 404 {
		t.Errorf("unknown id: %+v", r)
	}
	if r := res[31]; !errors.As(r.Err, &ae) || r.Status != 400 || errors.Is(r.Err, billbridge.ErrOutcomeUnknown) {
		t.Errorf("used key: %+v", r)
	}
	var ve *billbridge.ValidationError
	for _, i := range []int{32, 33} {
		if r := res[i]; !errors.As(r.Err, &ve) || ve.Index != i || r.Attempts != 0 {
			t.Errorf("invalid item %d: %+v", i, r)
		}
	}
	if res[34].Err != nil {
		t.Errorf("new key: %v", res[34].Err)
	}
	// Two _bulk calls (25 + 8 sub-requests); the fields not sent are kept.
	if n := srv.Count(chargeovertest.OpBulk, 0); n != 2 {
		t.Errorf("%d bulk calls, want 2", n)
	}
	got, _ := srv.CustomerByExternalKey("k-007")
	if got.BillCity == nil || *got.BillCity != "City 7" || *got.Company != "Company c-007" {
		t.Errorf("customer 7 after update: city %v company %v", got.BillCity, got.Company)
	}
	if _, ok := srv.CustomerByExternalKey("k-002"); ok {
		t.Error("k-002 still finds the customer whose key changed")
	}
	if got, ok := srv.CustomerByExternalKey("k-002-new"); !ok || got.CustomerId != "1002" {
		t.Errorf("k-002-new: %v %v", got.CustomerId, ok)
	}
	// A key once held is never free again.
	if err := c.UpdateCustomer(context.Background(), 1003, chargeover.CustomerChanges{ExternalKey: ptr("k-002")}); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("reusing a released key: %v", err)
	}
}

func TestUpdateCustomersRetriedWholeCall(t *testing.T) {
	t.Parallel()
	// Updates are idempotent: a _bulk call that fails after it may have
	// acted (a 500, a dropped answer) is sent again, and succeeds.
	for _, kind := range []fault.Kind{fault.Status500, fault.Status503, fault.DropAfter, fault.TooMany, fault.TruncatedJSON} {
		t.Run(string(kind), func(t *testing.T) {
			srv := seeded(t, 5, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{kind}}))
			c := newClient(t, srv)
			var in []chargeover.CustomerUpdate
			for i := range 5 {
				in = append(in, chargeover.CustomerUpdate{ID: int64(1000 + i), Customer: chargeover.CustomerChanges{Custom1: ptr("gold")}})
			}
			res := c.UpdateCustomers(context.Background(), in)
			for i, r := range res {
				if r.Err != nil || r.Attempts != 2 {
					t.Errorf("%s: result %d: %+v", kind, i, r)
				}
			}
			if kind == fault.TruncatedJSON {
				return // the first answer was cut after the update applied; the second one is whole
			}
			for _, cu := range srv.Customers() {
				if cu.Custom1 == nil || *cu.Custom1 != "gold" {
					t.Errorf("%s: customer %s not updated", kind, cu.CustomerId)
				}
			}
		})
	}
}

func TestUpdateCustomersFailForGood(t *testing.T) {
	t.Parallel()
	var seq []fault.Kind
	for range 10 {
		seq = append(seq, fault.Status503)
	}
	srv := seeded(t, 3, chargeovertest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	in := []chargeover.CustomerUpdate{{ID: 1000, Customer: chargeover.CustomerChanges{Custom1: ptr("x")}}, {ID: 1001, Customer: chargeover.CustomerChanges{Custom1: ptr("y")}}}
	res := c.UpdateCustomers(context.Background(), in, option.WithMaxRetries(1))
	var ae *billbridge.APIError
	for i, r := range res {
		if !errors.As(r.Err, &ae) || ae.StatusCode != 503 || errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || r.Index != i || r.Attempts != 2 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
}

func TestUpdateCustomerSingle(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 2)
	c := newClient(t, srv)
	if err := c.UpdateCustomer(context.Background(), 1001, chargeover.CustomerChanges{Company: ptr("Renamed"), NoTaxes: ptr(flex.Bool(true))}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCustomer(context.Background(), 1001)
	if err != nil || *got.Company != "Renamed" || got.NoTaxes == nil || !bool(*got.NoTaxes) || *got.ExternalKey != "k-001" {
		t.Fatalf("after update: %+v, %v", got, err)
	}
	if err := c.UpdateCustomer(context.Background(), 4242, chargeover.CustomerChanges{Company: ptr("x")}); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	var ve *billbridge.ValidationError
	if err := c.UpdateCustomer(context.Background(), 1001, chargeover.CustomerChanges{Company: ptr("")}); !errors.As(err, &ve) || ve.Field != "company" {
		t.Errorf("empty company: %v", err)
	}
	if n := srv.Count(chargeovertest.OpUpdateCustomer, 0); n != 2 {
		t.Errorf("%d PUTs, want 2", n)
	}
}

func TestUpdateCustomersSeq(t *testing.T) {
	t.Parallel()
	srv := seeded(t, 60)
	c := newClient(t, srv)
	seq := func(yield func(chargeover.CustomerUpdate) bool) {
		for i := range 60 {
			if !yield(chargeover.CustomerUpdate{ID: int64(1000 + i), Customer: chargeover.CustomerChanges{Custom2: ptr("s")}}) {
				return
			}
		}
	}
	n := 0
	for r := range c.UpdateCustomersSeq(context.Background(), seq) {
		if r.Err != nil || r.Index != n {
			t.Errorf("result %d: %+v", n, r)
		}
		n++
	}
	if n != 60 || srv.Count(chargeovertest.OpBulk, 0) != 3 {
		t.Errorf("%d results, %d bulk calls", n, srv.Count(chargeovertest.OpBulk, 0))
	}
}

// TestUpdateCustomersSubRequestRetried answers the first _bulk call with a
// 429 and a 503 for two of its three sub-requests: those two (only) are
// sent again in a second call.
func TestUpdateCustomersSubRequestRetried(t *testing.T) {
	t.Parallel()
	var calls [][]string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var subs []struct {
			Method string `json:"request_method"`
			URI    string `json:"uri"`
		}
		if err := json.NewDecoder(r.Body).Decode(&subs); err != nil || r.URL.Path != "/api/v3/_bulk" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		mu.Lock()
		var uris []string
		for _, s := range subs {
			uris = append(uris, s.Method+" "+s.URI)
		}
		calls = append(calls, uris)
		first := len(calls) == 1
		mu.Unlock()
		var out []string
		for i, s := range subs {
			id := strings.TrimPrefix(s.URI, "/api/v3/customer/")
			switch {
			case first && i == 1:
				out = append(out, `{"code":429,"status":"Error","message":"Rate limit exceeded.","details":{},"response":false}`)
			case first && i == 2:
				out = append(out, `{"code":503,"status":"Error","message":"Unavailable.","details":{},"response":false}`)
			default:
				out = append(out, `{"code":202,"status":"OK","message":"","details":{},"response":{"id":`+id+`}}`)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":200,"status":"OK","message":"","details":{},"response":{"_bulk":[%s]}}`, strings.Join(out, ","))
	}))
	defer srv.Close()
	c, err := chargeover.New(option.WithBaseURL(srv.URL), option.WithBasicAuth("u", "p"), option.WithRetryPolicy(fastRetries), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	in := []chargeover.CustomerUpdate{
		{ID: 1, Customer: chargeover.CustomerChanges{Custom1: ptr("a")}},
		{ID: 2, Customer: chargeover.CustomerChanges{Custom1: ptr("b")}},
		{ID: 3, Customer: chargeover.CustomerChanges{Custom1: ptr("c")}},
	}
	res := c.UpdateCustomers(context.Background(), in)
	for i, r := range res {
		if r.Err != nil || r.Value != int64(i+1) || r.Status != 202 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if fmt.Sprint(calls) != "[[PUT /api/v3/customer/1 PUT /api/v3/customer/2 PUT /api/v3/customer/3] [PUT /api/v3/customer/2 PUT /api/v3/customer/3]]" {
		t.Errorf("calls %v", calls)
	}
	if res[0].Attempts != 1 || res[1].Attempts != 2 {
		t.Errorf("attempts %d %d, want 1 and 2", res[0].Attempts, res[1].Attempts)
	}
}
