package tight_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// seed saves customers named prefix-<i> in one request and returns their ids.
func seed(t *testing.T, c *tight.Client, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	// Without create keys: a keyed create would look its keys up first,
	// a request the list tests would count.
	for _, r := range c.SaveCustomers(context.Background(), newCustomers(prefix, n), option.WithMaxRetries(0), tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// collectIDs walks seq and returns the ids and the errors it yielded.
func collectIDs(seq func(func(tight.Customer, error) bool)) (ids []string, errs []error) {
	for c, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, c.Id)
	}
	return ids, errs
}

func TestListCustomersWalksEveryPage(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv, option.WithBatchSize(1000))
	want := seed(t, c, "w", 23)
	for _, size := range []int{0, 1, 7, 23, 250} {
		before := srv.Count("queryCustomers", 0)
		ids, errs := collectIDs(c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: size}))
		if len(errs) > 0 || !slices.Equal(ids, want) {
			t.Fatalf("page size %d: %v, ids %v", size, errs, ids)
		}
		pages := srv.Count("queryCustomers", 0) - before
		per := size
		if per == 0 {
			per = tight.DefaultPageSize
		}
		if wantPages := (23 + per - 1) / per; pages != wantPages {
			t.Errorf("page size %d: %d page requests, want %d", size, pages, wantPages)
		}
	}
}

func TestListCustomersBreakSendsNoFurtherRequest(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seed(t, c, "b", 10)
	n := 0
	for _, err := range c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 || srv.Count("queryCustomers", 0) != 1 {
		t.Fatalf("%d items, %d page requests; want 1 and 1", n, srv.Count("queryCustomers", 0))
	}
}

func TestListCustomersCancelMidPage(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seed(t, c, "x", 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var items int
	var errs []error
	for _, err := range c.ListCustomers(ctx, tight.CustomerQuery{PageSize: 5}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items++
		if items == 2 {
			cancel() // in the middle of the first page
		}
	}
	if items != 2 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Fatalf("items %d, errors %v; want 2 items and one context.Canceled", items, errs)
	}
	if n := srv.Count("queryCustomers", 0); n != 1 {
		t.Errorf("%d page requests after the cancel, want 1", n)
	}
}

func TestListCustomersPageRetriedAfter5xx(t *testing.T) {
	// Request 1 seeds, request 2 is page 1, page 2 fails twice (503, 502)
	// and then succeeds.
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.None, fault.None, fault.Status503, fault.Status502}}))
	c := newClient(t, srv)
	want := seed(t, c, "r", 9)
	ids, errs := collectIDs(c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: 4}))
	if len(errs) > 0 || !slices.Equal(ids, want) {
		t.Fatalf("errors %v, ids %v", errs, ids)
	}
	if got := srv.Count("queryCustomers", 0); got != 5 { // 3 pages + 2 retries
		t.Errorf("%d page attempts, want 5", got)
	}
}

func TestListCustomersPageFailsForGood(t *testing.T) {
	seq := []fault.Kind{fault.None, fault.None}
	for range 6 { // the first attempt and 5 retries of page 2
		seq = append(seq, fault.Status500)
	}
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	want := seed(t, c, "f", 9)
	ids, errs := collectIDs(c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: 4}))
	if !slices.Equal(ids, want[:4]) {
		t.Fatalf("ids %v, want the first page %v", ids, want[:4])
	}
	var ae *billbridge.APIError
	if len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 500 || ae.Operation != "queryCustomers" {
		t.Fatalf("errors %v; want one 500 of queryCustomers", errs)
	}
	if got := srv.Count("queryCustomers", 0); got != 7 {
		t.Errorf("%d page attempts, want 7 (page 1, then 6 for page 2, then none)", got)
	}
}

func TestListCustomersInsertsBetweenPages(t *testing.T) {
	for _, q := range []tight.CustomerQuery{
		{PageSize: 3},
		{PageSize: 3, OrderBy: tight.OrderByName},
		{PageSize: 3, OrderBy: tight.OrderByName, Direction: tight.Descending},
	} {
		t.Run(fmt.Sprintf("%s-%s", q.OrderBy, q.Direction), func(t *testing.T) {
			srv := tighttest.NewTestServer(t)
			c := newClient(t, srv)
			existing := seed(t, c, "m", 12)
			seen := map[string]int{}
			inserted := 0
			for cu, err := range c.ListCustomers(context.Background(), q) {
				if err != nil {
					t.Fatal(err)
				}
				seen[cu.Id]++
				// Between pages, customers land before, among and after
				// the ones seen so far in every order.
				// (A few times only: inserts after the cursor are walked
				// too, so inserting on every page would never end.)
				if len(seen)%3 == 0 && inserted < 12 {
					for _, name := range []string{"a-new", "m-5x", "z-new"} {
						inserted++
						seed(t, c, fmt.Sprintf("%s%d", name, inserted), 1)
					}
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s yielded %d times", id, n)
				}
			}
			for _, id := range existing {
				if seen[id] != 1 {
					t.Errorf("%s existed through the walk but was not yielded", id)
				}
			}
		})
	}
}

// TestListDedupesOverlappingPages: a server whose cursor repeats entities
// (an offset cursor under inserts) still yields each id once.
func TestListDedupesOverlappingPages(t *testing.T) {
	pages := map[string]string{
		"":   `{"result":"SUCCESS","data":[{"id":"cus_a"},{"id":"cus_b"}],"error":[],"cursor":{"after":"p2","before":null}}`,
		"p2": `{"result":"SUCCESS","data":[{"id":"cus_b"},{"id":"cus_c"}],"error":[],"cursor":{"after":null,"before":"p1"}}`,
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Cursor string `json:"cursor"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages[body.Cursor]))
	}))
	defer ts.Close()
	c, err := tight.New(option.WithBaseURL(ts.URL), option.WithToken("t"), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ids, errs := collectIDs(c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: 2}))
	if len(errs) > 0 || !slices.Equal(ids, []string{"cus_a", "cus_b", "cus_c"}) {
		t.Fatalf("ids %v errors %v", ids, errs)
	}
}

// TestListStuckCursor: a server that answers the cursor it was sent would
// repeat its page forever; the walk ends with an error instead.
func TestListStuckCursor(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"result":"SUCCESS","data":[{"id":"cus_a"}],"cursor":{"after":"same"}}`))
	}))
	defer ts.Close()
	c, err := tight.New(option.WithBaseURL(ts.URL), option.WithToken("t"), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ids, errs := collectIDs(c.ListCustomers(context.Background(), tight.CustomerQuery{}))
	if !slices.Equal(ids, []string{"cus_a"}) || len(errs) != 1 {
		t.Fatalf("ids %v errors %v", ids, errs)
	}
}

func TestListPageSizeAboveMaximum(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	for _, size := range []int{tight.MaxPageSize + 1, -1} {
		var errs []error
		for _, err := range c.ListCustomers(context.Background(), tight.CustomerQuery{PageSize: size}) {
			errs = append(errs, err)
		}
		for _, err := range c.ListInvoices(context.Background(), tight.InvoiceQuery{PageSize: size}) {
			errs = append(errs, err)
		}
		var ve *billbridge.ValidationError
		if len(errs) != 2 || !errors.As(errs[0], &ve) || ve.Field != "page_size" || !errors.As(errs[1], &ve) {
			t.Fatalf("page size %d: %v", size, errs)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestListCustomersFilters(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	items := []tight.CustomerInput{
		{Id: flex.Ptr("cus_acme"), Name: flex.Ptr("Acme Corp"), Email: flex.Ptr("billing@acme.com"), Status: flex.Ptr("ACTIVE")},
		{Id: flex.Ptr("cus_acme2"), Name: flex.Ptr("ACME East"), Email: flex.Ptr("east@acme.com"), Status: flex.Ptr("ARCHIVED")},
		{Id: flex.Ptr("cus_globex"), Name: flex.Ptr("Globex"), Email: flex.Ptr("ap@globex.com"), Status: flex.Ptr("ACTIVE")},
	}
	for _, r := range c.SaveCustomers(ctx, items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	region, dc := "cls_region", "cls_dc"
	srv.SetClassSegments("cus_globex", tight.ClassSegment{Id: &region, Name: flex.Ptr("Mid-Atlantic"),
		Child: &tight.ClassSegment{Id: &dc, Name: flex.Ptr("Washington DC")}})
	cases := []struct {
		name string
		q    tight.CustomerQuery
		want []string
	}{
		{"name contains", tight.CustomerQuery{Name: tight.Contain("acme")}, []string{"cus_acme", "cus_acme2"}},
		{"email equal", tight.CustomerQuery{Email: tight.Equal("ap@globex.com")}, []string{"cus_globex"}},
		{"status in", tight.CustomerQuery{Status: tight.StatusIn("ACTIVE")}, []string{"cus_acme", "cus_globex"}},
		{"status not in", tight.CustomerQuery{Status: &tight.StatusFilter{NotIn: &[]string{"ACTIVE"}}}, []string{"cus_acme2"}},
		{"and", tight.CustomerQuery{Name: tight.Contain("acme"), Status: tight.StatusIn("ACTIVE")}, []string{"cus_acme"}},
		{"name range", tight.CustomerQuery{Name: &tight.StringFilter{GreaterThanEqual: flex.Ptr("b"), LessThan: flex.Ptr("h")}}, []string{"cus_globex"}},
		{"segment", tight.CustomerQuery{ClassSegments: &tight.ClassSegmentsFilter{Id: &tight.IDInFilter{In: &[]string{region}}}}, []string{"cus_globex"}},
		{"segment child, not expanded", tight.CustomerQuery{ClassSegments: &tight.ClassSegmentsFilter{Id: &tight.IDInFilter{In: &[]string{dc}}}}, nil},
		{"segment child, expanded", tight.CustomerQuery{ClassSegments: &tight.ClassSegmentsFilter{Expand: flex.Ptr(true), Id: &tight.IDInFilter{In: &[]string{dc}}}}, []string{"cus_globex"}},
		{"sort by name desc", tight.CustomerQuery{OrderBy: tight.OrderByName, Direction: tight.Descending, PageSize: 1}, []string{"cus_globex", "cus_acme2", "cus_acme"}},
	}
	for _, tc := range cases {
		ids, errs := collectIDs(c.ListCustomers(ctx, tc.q))
		if len(errs) > 0 || !slices.Equal(ids, tc.want) {
			t.Errorf("%s: ids %v errors %v, want %v", tc.name, ids, errs, tc.want)
		}
	}
}

// seedInvoices saves a customer and invoices for it.
func seedInvoices(t *testing.T, c *tight.Client, invs ...tight.InvoiceInput) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: flex.Ptr("cus_inv"), Name: flex.Ptr("Abigail Adams"), Email: flex.Ptr("abigail@example.com")}); err != nil {
		t.Fatal(err)
	}
	for i := range invs {
		invs[i].CustomerId = flex.Ptr("cus_inv")
	}
	for _, r := range c.SaveInvoices(ctx, invs) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

func TestListInvoicesFilters(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seedInvoices(t, c,
		tight.InvoiceInput{Id: flex.Ptr("inv_1"), Name: flex.Ptr("June Consulting"), InvoiceStatus: flex.Ptr("OPEN"), InvoiceNo: flex.Ptr[int64](1001)},
		tight.InvoiceInput{Id: flex.Ptr("inv_2"), Name: flex.Ptr("July Consulting"), InvoiceStatus: flex.Ptr("DRAFT"), Notes: flex.Ptr("rush")},
		tight.InvoiceInput{Id: flex.Ptr("inv_3"), Name: flex.Ptr("Hardware"), InvoiceStatus: flex.Ptr("OPEN"), Status: flex.Ptr("ACTIVE")},
	)
	ctx := context.Background()
	cases := []struct {
		name string
		q    tight.InvoiceQuery
		want []string
	}{
		{"all, pages of 1", tight.InvoiceQuery{PageSize: 1}, []string{"inv_1", "inv_2", "inv_3"}},
		{"search name", tight.InvoiceQuery{Search: "consulting"}, []string{"inv_1", "inv_2"}},
		{"search notes", tight.InvoiceQuery{Search: "RUSH"}, []string{"inv_2"}},
		{"search number", tight.InvoiceQuery{Search: "1001"}, []string{"inv_1"}},
		{"search customer", tight.InvoiceQuery{Search: "abigail"}, []string{"inv_1", "inv_2", "inv_3"}},
		{"invoice status in", tight.InvoiceQuery{InvoiceStatus: tight.InvoiceStatusIn("OPEN")}, []string{"inv_1", "inv_3"}},
		{"invoice status not in", tight.InvoiceQuery{InvoiceStatus: &tight.InvoiceStatusFilter{NotIn: &[]string{"OPEN"}}}, []string{"inv_2"}},
		{"name and search", tight.InvoiceQuery{Name: tight.Contain("june"), Search: "consulting"}, []string{"inv_1"}},
		{"status", tight.InvoiceQuery{Status: tight.StatusIn("ACTIVE")}, []string{"inv_3"}},
		{"sort by name", tight.InvoiceQuery{OrderBy: tight.OrderByName, PageSize: 2}, []string{"inv_3", "inv_2", "inv_1"}},
	}
	for _, tc := range cases {
		var ids []string
		var errs []error
		for inv, err := range c.ListInvoices(ctx, tc.q) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if inv.Totals == nil || inv.Customer == nil {
				t.Errorf("%s: invoice %s lacks totals or customer", tc.name, inv.Id)
			}
			ids = append(ids, inv.Id)
		}
		if len(errs) > 0 || !slices.Equal(ids, tc.want) {
			t.Errorf("%s: ids %v errors %v, want %v", tc.name, ids, errs, tc.want)
		}
	}
}

func TestGetCustomer(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.Status503}}))
	c := newClient(t, srv)
	ids := seed(t, c, "g", 1)
	got, err := c.GetCustomer(context.Background(), ids[0]) // the 503 is retried
	if err != nil {
		t.Fatal(err)
	}
	if got.Id != ids[0] || *got.Name != "g-0" || got.CreatedDateTime == nil || time.Since(*got.CreatedDateTime) > time.Minute {
		t.Fatalf("customer %+v", got)
	}
	_, err = c.GetCustomer(context.Background(), "cus_nobody")
	var ae *billbridge.APIError
	if !errors.Is(err, billbridge.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Code != "INVALID_VALUE" {
		t.Fatalf("unknown id: %v", err)
	}
	var ve *billbridge.ValidationError
	if _, err := c.GetCustomer(context.Background(), ""); !errors.As(err, &ve) {
		t.Fatalf("empty id: %v", err)
	}
}

func TestDeleteCustomers(t *testing.T) {
	// Request 1 seeds; the first delete attempt meets a 503 (retried); one
	// delete acts and loses its answer (DropAfter): the retry gets 404.
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.None, fault.Status503}}))
	c := newClient(t, srv, option.WithConcurrency(1))
	ids := seed(t, c, "d", 4)
	in := []string{ids[0], "cus_nobody", ids[1], "", ids[2]}
	res := c.DeleteCustomers(context.Background(), in)
	checkOrdered(t, res, len(in))
	for _, i := range []int{0, 2, 4} {
		if res[i].Err != nil || res[i].ID != in[i] || res[i].Status != 200 {
			t.Errorf("result %d: %+v", i, res[i])
		}
	}
	if res[0].Attempts != 2 {
		t.Errorf("first delete took %d attempts, want 2 (503, then 200)", res[0].Attempts)
	}
	if !errors.Is(res[1].Err, billbridge.ErrNotFound) || res[1].Status != 404 {
		t.Errorf("unknown id: %+v", res[1])
	}
	var ve *billbridge.ValidationError
	if !errors.As(res[3].Err, &ve) || ve.Index != 3 || ve.Field != "id" {
		t.Errorf("empty id: %+v", res[3])
	}
	left := srv.Customers()
	if len(left) != 1 || left[0].Id != ids[3] {
		t.Fatalf("left in the fake: %+v", left)
	}
	if _, err := c.GetCustomer(context.Background(), ids[0]); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("deleted customer still reads: %v", err)
	}
	if err := c.DeleteCustomer(context.Background(), ids[0]); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestDeleteAnswerLost(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.None, fault.DropAfter}}))
	c := newClient(t, srv)
	ids := seed(t, c, "l", 1)
	res := c.DeleteCustomers(context.Background(), ids)
	if res[0].Err != nil || !res[0].AlreadyGone || res[0].ID != ids[0] || res[0].Attempts != 2 {
		t.Fatalf("%+v: want a success marked AlreadyGone after 2 attempts (the first acted, its answer was lost)", res[0])
	}
	if len(srv.Customers()) != 0 {
		t.Errorf("customer still there")
	}
}

func TestDeleteInvoicesSeq(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_a")}, tight.InvoiceInput{Id: flex.Ptr("inv_b")})
	var got []billbridge.Result[string]
	for r := range c.DeleteInvoicesSeq(context.Background(), slices.Values([]string{"inv_a", "inv_x", "inv_b"})) {
		got = append(got, r)
	}
	checkOrdered(t, got, 3)
	if got[0].Err != nil || got[2].Err != nil || !errors.Is(got[1].Err, billbridge.ErrNotFound) {
		t.Fatalf("%+v", got)
	}
	if len(srv.Invoices()) != 0 {
		t.Errorf("invoices left: %d", len(srv.Invoices()))
	}
	if err := c.DeleteInvoice(context.Background(), "inv_a"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestSendInvoices(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_a")}, tight.InvoiceInput{Id: flex.Ptr("inv_b")}, tight.InvoiceInput{Id: flex.Ptr("inv_c")})
	res := c.SendInvoices(context.Background(), []tight.SendInvoice{
		{ID: "inv_a"}, {ID: "inv_b", Type: tight.SendAsQuote}, {ID: "inv_x"}, {ID: "inv_c", Type: "POSTCARD"},
	})
	checkOrdered(t, res, 4)
	for _, i := range []int{0, 1} {
		r := res[i]
		if r.Err != nil || r.ID == "" || r.Value.CollectionInfo == nil || *r.Value.CollectionInfo.EmailStatus != "SENT" ||
			r.Value.CollectionInfo.EmailSentDatetime == nil {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if !errors.Is(res[2].Err, billbridge.ErrNotFound) {
		t.Errorf("unknown invoice: %v", res[2].Err)
	}
	var ae *billbridge.APIError
	if !errors.As(res[3].Err, &ae) || ae.StatusCode != 400 || ae.Code != "INVALID_VALUE" || ae.Param != "type" {
		t.Errorf("bad type: %v", res[3].Err)
	}
	if srv.Sends("inv_a") != 1 || srv.Sends("inv_b") != 1 {
		t.Errorf("sends: %d %d", srv.Sends("inv_a"), srv.Sends("inv_b"))
	}
	inv, err := c.SendInvoice(context.Background(), tight.SendInvoice{ID: "inv_b"})
	if err != nil || inv.Id != "inv_b" || srv.Sends("inv_b") != 2 {
		t.Fatalf("single send: %v %v (sends %d)", inv, err, srv.Sends("inv_b"))
	}
}

// TestSendInvoiceSettled: a send is unsafe. A 429 is repeated (Tight did
// not act); after a 5xx or a lost answer the invoice is read back: found
// sent, the send is a success marked Existing; found not sent, it is sent
// again. Either way the customer gets exactly one e-mail.
func TestSendInvoiceSettled(t *testing.T) {
	cases := []struct {
		kind     fault.Kind
		existing bool // settled by the read-back, not by a send's answer
		requests int  // send requests
	}{
		{fault.TooMany, false, 2},
		{fault.Status500, false, 2},
		{fault.Status503, false, 2},
		{fault.DropAfter, true, 1},
		{fault.Status500After, true, 1},
		{fault.TruncatedJSON, true, 1},
		// Closed before the handler ran, but after the request was written:
		// the client cannot tell it from DropAfter; the read-back can.
		{fault.DropBefore, false, 2},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			// Requests 1 and 2 seed a customer and an invoice.
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.None, tc.kind}}))
			c := newClient(t, srv)
			seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_s")})
			r := c.SendInvoices(context.Background(), []tight.SendInvoice{{ID: "inv_s"}})[0]
			if r.Err != nil || r.ID != "inv_s" || r.Existing != tc.existing {
				t.Fatalf("result %+v (%v), want a success, existing %v", r, r.Err, tc.existing)
			}
			if got := srv.Sends("inv_s"); got != 1 {
				t.Errorf("%d e-mails sent, want 1", got)
			}
			if srv.Count("sendInvoice", 0) != tc.requests {
				t.Errorf("%d send requests, want %d", srv.Count("sendInvoice", 0), tc.requests)
			}
		})
	}
}

// TestDeleteConcurrencyBounded: the fan-out keeps at most the client's
// concurrency in flight.
func TestDeleteConcurrencyBounded(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := 0, 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"result":"SUCCESS","data":{"id":"x"}}`))
	}))
	defer ts.Close()
	c, err := tight.New(option.WithBaseURL(ts.URL), option.WithToken("t"), option.WithRateLimit(0, 0), option.WithConcurrency(3))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = fmt.Sprintf("cus_%d", i)
	}
	for _, r := range c.DeleteCustomers(context.Background(), ids) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if peak > 3 || peak < 2 {
		t.Errorf("peak in flight %d, want 2..3", peak)
	}
}
