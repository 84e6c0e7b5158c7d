package tight_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

func TestNewCredentials(t *testing.T) {
	for _, v := range []string{tight.EnvToken, tight.EnvClientID, tight.EnvClientSecret} {
		t.Setenv(v, "")
	}
	_, err := tight.New()
	if err == nil || !strings.Contains(err.Error(), "TIGHT_TOKEN") || !strings.Contains(err.Error(), "TIGHT_CLIENT_ID") {
		t.Fatalf("no credentials: got %v, want an error naming the variables", err)
	}
	t.Setenv(tight.EnvClientID, "someone")
	if _, err := tight.New(); err == nil || !strings.Contains(err.Error(), "TIGHT_CLIENT_SECRET") {
		t.Fatalf("id without secret: got %v, want an error naming TIGHT_CLIENT_SECRET", err)
	}
	t.Setenv(tight.EnvClientID, "")

	srv := tighttest.NewTestServer(t)
	t.Setenv(tight.EnvToken, srv.Token)
	// The documented base URL spelling (with /v6) works too.
	c, err := tight.New(option.WithBaseURL(srv.URL+"/v6/"), fastRetry())
	if err != nil {
		t.Fatal(err)
	}
	res := c.SaveCustomers(context.Background(), newCustomers("env", 1))
	if res[0].Err != nil {
		t.Fatalf("token from %s: %v", tight.EnvToken, res[0].Err)
	}
	t.Setenv(tight.EnvToken, "")
	t.Setenv(tight.EnvClientID, srv.ClientID)
	t.Setenv(tight.EnvClientSecret, srv.ClientSecret)
	c, err = tight.New(option.WithBaseURL(srv.URL), fastRetry())
	if err != nil {
		t.Fatal(err)
	}
	if res := c.SaveCustomers(context.Background(), newCustomers("cc", 1)); res[0].Err != nil {
		t.Fatalf("client credentials from the environment: %v", res[0].Err)
	}
	if srv.IssuedTokens() != 1 {
		t.Fatalf("issued %d tokens, want 1", srv.IssuedTokens())
	}

	if _, err := tight.New(option.WithToken("x"), option.WithBaseURL("http://tight.example.com")); err == nil {
		t.Fatal("plain http off loopback was accepted")
	}
}

func TestSaveCustomers(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv, option.WithBatchSize(40), option.WithConcurrency(3))
	ctx := context.Background()

	items := append(newCustomers("new", 70), upsertCustomers("up", 50)...)
	res := c.SaveCustomers(ctx, items)
	checkOrdered(t, res, len(items))
	for i, r := range res {
		if r.Err != nil || r.Status != 200 || r.Attempts != 1 || r.ID == "" || r.Value.Id != r.ID || (items[i].Id == nil) != (r.Outcome == billbridge.Created) {
			t.Fatalf("item %d: %+v", i, r)
		}
		if *r.Value.Name != *items[i].Name {
			t.Fatalf("item %d: saved name %q, want %q", i, *r.Value.Name, *items[i].Name)
		}
		if items[i].Id != nil && r.ID != *items[i].Id {
			t.Fatalf("item %d: upsert saved as %s, want %s", i, r.ID, *items[i].Id)
		}
	}
	if n := len(srv.Customers()); n != len(items) {
		t.Fatalf("fake holds %d customers, want %d", n, len(items))
	}
	// Each chunk of 40 is split into its creates and its upserts.
	if n := srv.Count("saveCustomers", 200); n != 4 {
		t.Fatalf("%d requests, want 4 (3 chunks, one of them mixed)", n)
	}

	// Saving the same upserts again updates, never duplicates.
	again := upsertCustomers("up", 50)
	for i := range again {
		again[i].BusinessName = flex.Ptr("Renamed")
	}
	for i, r := range c.SaveCustomers(ctx, again) {
		if r.Err != nil || *r.Value.BusinessName != "Renamed" {
			t.Fatalf("update %d: %+v", i, r)
		}
	}
	if n := len(srv.Customers()); n != len(items) {
		t.Fatalf("after updates the fake holds %d customers, want %d", n, len(items))
	}
	// 4 saves and 2 more of the updates, and one page of the (empty)
	// account that the creates' keys were looked up in.
	if req, _ := c.Counts(); req != 7 {
		t.Fatalf("Counts() = %d requests, want 7", req)
	}
}

func TestSaveInvoices(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv, option.WithBatchSize(7))
	ctx := context.Background()
	cus := c.SaveCustomers(ctx, newCustomers("payer", 1))[0]
	if cus.Err != nil {
		t.Fatal(cus.Err)
	}
	items := make([]tight.InvoiceInput, 20)
	for i := range items {
		items[i] = tight.InvoiceInput{
			CustomerId: &cus.ID,
			Name:       flex.Ptr(fmt.Sprintf("inv-%d", i)),
			LineItems: &[]tight.LineItemInput{{
				Description: flex.Ptr("Consulting"),
				Quantity:    flex.Ptr(flex.Decimal("2.0")),
				Price:       flex.Ptr(flex.Decimal("5000.0")),
			}},
			Discount: &tight.Discount{Value: flex.Ptr(flex.Decimal("5.0")), Type: flex.Ptr(tight.AdjustmentPercent),
				CalculateBeforeSalesTax: flex.Ptr(flex.Bool(true))},
			SalesTax: &tight.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: flex.Ptr(tight.AdjustmentPercent)},
		}
	}
	items[5].Id = flex.Ptr("inv_external_5")
	var got []billbridge.Result[tight.Invoice]
	for r := range c.SaveInvoicesSeq(ctx, slices.Values(items)) {
		got = append(got, r)
	}
	checkOrdered(t, got, len(items))
	for i, r := range got {
		if r.Err != nil {
			t.Fatalf("invoice %d: %v", i, r.Err)
		}
		if r.Value.Totals == nil || *r.Value.Totals.Total != 10343 || r.Value.Customer == nil || r.Value.Customer.Id == nil || *r.Value.Customer.Id != cus.ID {
			t.Fatalf("invoice %d: totals %+v customer %+v", i, r.Value.Totals, r.Value.Customer)
		}
	}
	if got[5].ID != "inv_external_5" {
		t.Fatalf("upsert saved as %s", got[5].ID)
	}
	if n := len(srv.Invoices()); n != len(items) {
		t.Fatalf("fake holds %d invoices, want %d", n, len(items))
	}
}

// A 207 maps back per item: the good items land, the bad ones carry their
// own error, and nothing is re-sent.
func TestPartialSuccess207(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	items := newCustomers("p", 10)
	items[2].Name = nil
	items[7].Email = flex.Ptr("not-an-address")
	res := c.SaveCustomers(context.Background(), items)
	checkOrdered(t, res, len(items))
	for i, r := range res {
		switch i {
		case 2, 7:
			var ae *billbridge.APIError
			if !errors.As(r.Err, &ae) || ae.StatusCode != 400 || r.Status != 400 {
				t.Fatalf("item %d: %+v", i, r)
			}
			want := map[int][2]string{2: {"REQUIRED", "name"}, 7: {"INVALID_FORMAT", "email"}}[i]
			if ae.Code != want[0] || ae.Param != want[1] || ae.Provider != "tight" || ae.Operation != "saveCustomers" {
				t.Fatalf("item %d: error %#v, want code %s param %s", i, ae, want[0], want[1])
			}
		default:
			if r.Err != nil || r.Status != 200 {
				t.Fatalf("item %d: %+v", i, r)
			}
		}
	}
	if n := srv.Count("saveCustomers", 207); n != 1 || srv.Count("saveCustomers", 0) != 1 {
		t.Fatalf("%d requests answered 207 of %d, want exactly one request", n, srv.Count("saveCustomers", 0))
	}
}

// Items invalid against the spec are refused locally and never sent; the
// valid items of the same chunk are.
func TestLocalValidation(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	items := newCustomers("v", 5)
	tooMany := tight.CustomData{}
	for i := range 51 {
		tooMany[fmt.Sprint("f", i)] = i
	}
	items[3].CustomData = &tooMany
	res := c.SaveCustomers(context.Background(), items)
	var ve *billbridge.ValidationError
	if !errors.As(res[3].Err, &ve) || ve.Index != 3 || res[3].Attempts != 0 {
		t.Fatalf("item 3: %+v", res[3])
	}
	if !strings.Contains(ve.Error(), "customData") {
		t.Fatalf("validation error does not name the field: %v", ve)
	}
	for _, i := range []int{0, 1, 2, 4} {
		if res[i].Err != nil {
			t.Fatalf("item %d: %v", i, res[i].Err)
		}
	}
	if n := len(srv.Customers()); n != 4 {
		t.Fatalf("fake holds %d customers, want 4", n)
	}

	inv := []tight.InvoiceInput{{CustomerId: &res[0].ID, LineItems: &[]tight.LineItemInput{{Price: flex.Ptr(flex.Decimal("12,50"))}}}}
	ires := c.SaveInvoices(context.Background(), inv)
	if !errors.As(ires[0].Err, &ve) || ve.Field != "lineItems/0/price" {
		t.Fatalf("invoice: %+v", ires[0])
	}
}

// With a whole batch refused by 400, bisecting isolates exactly the poison
// items: every other item lands, each poison item gets its own 400.
func TestBisectRejectWholeBatch(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithRejectWholeBatch())
	c := newClient(t, srv, option.WithBatchSize(64), option.WithConcurrency(2))
	items := newCustomers("b", 100)
	poison := map[int]bool{3: true, 17: true, 18: true, 63: true, 99: true}
	for i := range poison {
		items[i].Name = flex.Ptr("")
	}
	res := c.SaveCustomers(context.Background(), items)
	checkOrdered(t, res, len(items))
	for i, r := range res {
		if !poison[i] {
			if r.Err != nil || r.Status != 200 {
				t.Fatalf("good item %d: %+v", i, r)
			}
			continue
		}
		var ae *billbridge.APIError
		if !errors.As(r.Err, &ae) || ae.StatusCode != 400 || ae.Code != "REQUIRED" || ae.Param != "name" || r.Status != 400 {
			t.Fatalf("poison item %d: %+v (%v)", i, r, r.Err)
		}
		if r.Attempts < 2 {
			t.Fatalf("poison item %d: %d attempts, want one per split", i, r.Attempts)
		}
	}
	names := nameCounts(srv)
	if len(srv.Customers()) != len(items)-len(poison) {
		t.Fatalf("fake holds %d customers, want %d", len(srv.Customers()), len(items)-len(poison))
	}
	for i, it := range items {
		if !poison[i] && names[*it.Name] != 1 {
			t.Fatalf("item %d saved %d times", i, names[*it.Name])
		}
	}
	requests := srv.Count("saveCustomers", 0)
	t.Logf("100 items, 5 poison: %d requests", requests)
	if requests > 2*5*7+2 {
		t.Fatalf("%d requests: bisecting is not bounded by 2·poison·log2(n)", requests)
	}
}

// Statuses that no retry fixes fail the items of the request with the
// provider's error.
func TestRefusals(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	ctx := context.Background()

	t.Run("401 invalid static token", func(t *testing.T) {
		c := newClient(t, srv, option.WithToken("not-a-token"))
		// The creates' keys are looked up first (a page of the account):
		// that request gets the 401, and no create is sent.
		for _, r := range c.SaveCustomers(ctx, newCustomers("u", 3)) {
			var ae *billbridge.APIError
			if !errors.As(r.Err, &ae) || ae.StatusCode != 401 || ae.Code != "INVALID_TOKEN" || ae.Retryable || !errors.Is(r.Err, billbridge.ErrNotSent) {
				t.Fatalf("%+v (%v)", r, r.Err)
			}
		}
	})
	t.Run("401 bad client secret", func(t *testing.T) {
		c, err := tight.New(option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, "wrong-secret-123"), fastRetry())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.SaveCustomers(ctx, newCustomers("s", 2)) {
			var ae *billbridge.APIError
			if !errors.As(r.Err, &ae) || ae.StatusCode != 401 || ae.Operation != "createToken" || ae.Provider != "tight" {
				t.Fatalf("%+v (%v)", r, r.Err)
			}
			if strings.Contains(r.Err.Error(), "wrong-secret-123") {
				t.Fatalf("error shows the secret: %v", r.Err)
			}
		}
	})
	t.Run("403 read-scope token", func(t *testing.T) {
		tok := readToken(t, srv)
		c := newClient(t, srv, option.WithToken(tok))
		for _, r := range c.SaveCustomers(ctx, upsertCustomers("f", 2)) {
			var ae *billbridge.APIError
			if !errors.As(r.Err, &ae) || ae.StatusCode != 403 || r.Status != 403 || r.Attempts != 1 {
				t.Fatalf("%+v (%v)", r, r.Err)
			}
		}
	})
	t.Run("404 wrong base path", func(t *testing.T) {
		c := newClient(t, srv, option.WithBaseURL(srv.URL+"/elsewhere"))
		for _, r := range c.SaveCustomers(ctx, newCustomers("n", 2)) {
			var ae *billbridge.APIError
			if !errors.As(r.Err, &ae) || ae.StatusCode != 404 || !errors.Is(r.Err, billbridge.ErrNotSent) {
				t.Fatalf("%+v (%v)", r, r.Err)
			}
		}
	})
}

// readToken gets a token of scope read through the generated client.
func readToken(t *testing.T, srv *tighttest.Server) string {
	t.Helper()
	api, err := tightapi.NewClientWithResponses(srv.URL + "/v6")
	if err != nil {
		t.Fatal(err)
	}
	scope := tightapi.Read
	resp, err := api.CreateTokenWithFormdataBodyWithResponse(context.Background(), tightapi.TokenRequest{Scope: &scope},
		func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(srv.ClientID, srv.ClientSecret)
			return nil
		})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("token: %v", err)
	}
	return resp.JSON200.AccessToken
}
