package tighttest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// A test gets a token with the fake's client credentials, saves a customer
// and an invoice, and reads the computed totals. In a test, prefer
// NewTestServer(t), which also checks every response against the spec.
func Example() {
	srv := tighttest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	c, _ := tightapi.NewClientWithResponses(srv.URL + "/v6")
	grant := tightapi.ClientCredentials
	tok, _ := c.CreateTokenWithFormdataBodyWithResponse(ctx, tightapi.TokenRequest{GrantType: &grant},
		func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(srv.ClientID, srv.ClientSecret)
			return nil
		})
	fmt.Println("token:", tok.StatusCode(), tok.JSON200.TokenType, tok.JSON200.ExpiresIn)

	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok.JSON200.AccessToken)
		return nil
	}
	name := "Acme Corp"
	cus, _ := c.SaveCustomersWithResponse(ctx, tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{{Name: &name}, {}}}, auth)
	fmt.Println("customers:", cus.StatusCode(), cus.JSON207.Data[0].Data.Id, *(*cus.JSON207.Data[1].Error)[0].Type)

	pct := tightapi.PERCENT
	before := flex.Bool(true)
	inv, _ := c.SaveInvoicesWithResponse(ctx, tightapi.SaveInvoicesRequest{Data: []tightapi.InvoiceInput{{
		CustomerId: &cus.JSON207.Data[0].Data.Id,
		LineItems:  &[]tightapi.LineItemInput{{Quantity: flex.Ptr(flex.Decimal("2")), Price: flex.Ptr(flex.Decimal("5000"))}},
		Discount:   &tightapi.Discount{Value: flex.Ptr(flex.Decimal("5")), Type: &pct, CalculateBeforeSalesTax: &before},
		SalesTax:   &tightapi.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: &pct},
	}}}, auth)
	saved := inv.JSON200.Data[0].Data
	t := saved.Totals
	fmt.Println("invoice:", inv.StatusCode(), saved.Id, *t.Subtotal, *t.DiscountedTotal, *t.SalesTax, *t.Total)
	fmt.Println("stored:", len(srv.Customers()), len(srv.Invoices()), srv.Count("saveCustomers", 207))
	// Output:
	// token: 200 Bearer 3600
	// customers: 207 cus_1 REQUIRED
	// invoice: 200 inv_1 10000 9500 843 10343
	// stored: 1 1 1
}
