package tighttest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

func queryPage(t *testing.T, srv *tighttest.Server, q tightapi.CustomerQueryRequest) *tightapi.QueryCustomersResponse {
	t.Helper()
	res, err := client(t, srv).QueryCustomersWithResponse(context.Background(), q, bearer(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ids(cs []tightapi.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Id
	}
	return out
}

// TestQueryCursorStableUnderConcurrentInserts walks the customers by name
// while another client keeps inserting: no customer comes twice, and every
// customer that existed before the walk comes once.
func TestQueryCursorStableUnderConcurrentInserts(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	var before []tightapi.CustomerInput
	for i := range 60 {
		before = append(before, cust(fmt.Sprintf("m-%02d", i), ""))
	}
	saveCustomers(t, srv, srv.Token, before...)
	existing := ids(srv.Customers())
	c := client(t, srv)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Not saveCustomers: t.Fatal belongs to the test's goroutine.
			_, _ = c.SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{
				cust(fmt.Sprintf("a-%d", i), ""), cust(fmt.Sprintf("m-%02d-x%d", i%60, i), ""), cust(fmt.Sprintf("z-%d", i), "")}}, bearer(srv.Token))
		}
	}()
	limit := int32(7)
	name := "NAME"
	q := tightapi.CustomerQueryRequest{Limit: &limit, Sort: &tightapi.CustomerSort{OrderBy: &name}}
	seen := map[string]int{}
	for pages := 0; ; pages++ {
		res := queryPage(t, srv, q)
		if res.JSON200 == nil {
			t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
		}
		for _, id := range ids(res.JSON200.Data) {
			seen[id]++
		}
		if res.JSON200.Cursor.After == nil || pages > 200 {
			break
		}
		q.Cursor = res.JSON200.Cursor.After
	}
	close(stop)
	wg.Wait()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
	for _, id := range existing {
		if seen[id] != 1 {
			t.Errorf("%s existed through the walk and was skipped", id)
		}
	}
}

func TestQueryCursors(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	for i := range 10 {
		saveCustomers(t, srv, srv.Token, cust(fmt.Sprintf("c-%d", i), fmt.Sprintf("c%d@example.com", i)))
	}
	all := ids(srv.Customers())
	limit := int32(4)
	p1 := queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &limit}).JSON200
	if !slices.Equal(ids(p1.Data), all[:4]) || p1.Cursor.Before != nil || p1.Cursor.After == nil {
		t.Fatalf("page 1: %v %+v", ids(p1.Data), p1.Cursor)
	}
	p2 := queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &limit, Cursor: p1.Cursor.After}).JSON200
	if !slices.Equal(ids(p2.Data), all[4:8]) || p2.Cursor.Before == nil {
		t.Fatalf("page 2: %v %+v", ids(p2.Data), p2.Cursor)
	}
	back := queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &limit, Cursor: p2.Cursor.Before}).JSON200
	if !slices.Equal(ids(back.Data), all[:4]) || back.Cursor.Before != nil {
		t.Fatalf("back to page 1: %v %+v", ids(back.Data), back.Cursor)
	}
	p3 := queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &limit, Cursor: p2.Cursor.After}).JSON200
	if !slices.Equal(ids(p3.Data), all[8:]) || p3.Cursor.After != nil {
		t.Fatalf("last page: %v %+v", ids(p3.Data), p3.Cursor)
	}
	// A cursor belongs to its query: another filter refuses it.
	res := queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &limit, Cursor: p1.Cursor.After,
		Filter: &tightapi.CustomerQueryFilter{Name: &tightapi.StringFilter{Contain: str("c")}}})
	wantError(t, res.StatusCode(), res.Body, http.StatusBadRequest, "INVALID_VALUE", "cursor")
	res = queryPage(t, srv, tightapi.CustomerQueryRequest{Cursor: str("not-a-cursor")})
	wantError(t, res.StatusCode(), res.Body, http.StatusBadRequest, "INVALID_VALUE", "cursor")
	// Over the documented range: Tight's 400 envelope, naming limit.
	over := int32(251)
	res = queryPage(t, srv, tightapi.CustomerQueryRequest{Limit: &over})
	wantError(t, res.StatusCode(), res.Body, http.StatusBadRequest, "BAD_REQUEST", "limit")
	unknown := "FAVOURITE"
	res = queryPage(t, srv, tightapi.CustomerQueryRequest{Sort: &tightapi.CustomerSort{OrderBy: &unknown}})
	wantError(t, res.StatusCode(), res.Body, http.StatusBadRequest, "INVALID_VALUE", "sort/orderBy")
	// No limit: the fake's default page.
	if p := queryPage(t, srv, tightapi.CustomerQueryRequest{}).JSON200; len(p.Data) != 10 || p.Cursor.After != nil {
		t.Fatalf("default page: %d %+v", len(p.Data), p.Cursor)
	}
}

func TestGetDeleteSend(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := client(t, srv)
	ctx := context.Background()
	saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_a"), Name: str("A"), Email: str("a@example.com")},
		tightapi.CustomerInput{Id: str("cus_b"), Name: str("B")})
	saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{Id: str("inv_a"), CustomerId: str("cus_a")},
		tightapi.InvoiceInput{Id: str("inv_b"), CustomerId: str("cus_b")})
	g, _ := c.GetCustomerWithResponse(ctx, "cus_a", bearer(srv.Token))
	if g.JSON200 == nil || g.JSON200.Data.Id != "cus_a" || g.JSON200.Data.CreatedDateTime == nil {
		t.Fatalf("get: %s", g.Body)
	}
	s, _ := c.SendInvoiceWithResponse(ctx, "inv_a", tightapi.SendInvoiceRequest{Type: str("QUOTE")}, bearer(srv.Token))
	if s.JSON200 == nil || *s.JSON200.Data.CollectionInfo.EmailStatus != "SENT" || srv.Sends("inv_a") != 1 {
		t.Fatalf("send: %s", s.Body)
	}
	s, _ = c.SendInvoiceWithResponse(ctx, "inv_b", tightapi.SendInvoiceRequest{}, bearer(srv.Token))
	wantError(t, s.StatusCode(), s.Body, http.StatusBadRequest, "REQUIRED", "email")
	d, _ := c.DeleteCustomerWithResponse(ctx, "cus_a", bearer(srv.Token))
	if d.JSON200 == nil || d.JSON200.Data.Id != "cus_a" {
		t.Fatalf("delete: %s", d.Body)
	}
	g, _ = c.GetCustomerWithResponse(ctx, "cus_a", bearer(srv.Token))
	wantError(t, g.StatusCode(), g.Body, http.StatusNotFound, "INVALID_VALUE", "id")
	// The deleted customer's invoice stays.
	if _, ok := srv.Invoice("inv_a"); !ok {
		t.Errorf("invoice of the deleted customer gone")
	}
	di, _ := c.DeleteInvoiceWithResponse(ctx, "inv_a", bearer(srv.Token))
	if di.JSON200 == nil || di.JSON200.Data.Totals == nil {
		t.Fatalf("delete invoice: %s", di.Body)
	}
	di, _ = c.DeleteInvoiceWithResponse(ctx, "inv_a", bearer(srv.Token))
	wantError(t, di.StatusCode(), di.Body, http.StatusNotFound, "INVALID_VALUE", "id")
	// A customer saved again after its delete is new: a new creation time and place.
	saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_a"), Name: str("A again")})
	if got := ids(srv.Customers()); !slices.Equal(got, []string{"cus_b", "cus_a"}) {
		t.Errorf("order after re-create: %v", got)
	}
}
