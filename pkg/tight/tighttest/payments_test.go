package tighttest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/oapi-codegen/runtime/types"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// The seed invoice (subtotal 10000, 5 % discount before 8.875 % tax) paid
// 5000 by one payment: the document's totals. Moving the payment to another
// invoice moves the amount; deleting it gives it back.
func TestPaymentsChangeInvoiceTotals(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := client(t, srv)
	ctx := context.Background()
	tok := bearer(srv.Token)
	saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_28868401"), Name: str("Acme Corp")})
	pct := tightapi.PERCENT
	inv := tightapi.InvoiceInput{CustomerId: str("cus_28868401"),
		LineItems: &[]tightapi.LineItemInput{{Amount: flex.Ptr[int64](10000)}},
		Discount:  &tightapi.Discount{Value: flex.Ptr(flex.Decimal("5.0")), Type: &pct, CalculateBeforeSalesTax: flex.Ptr(flex.Bool(true))},
		SalesTax:  &tightapi.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: &pct}}
	a, b := jsoncopy.Clone(inv), jsoncopy.Clone(inv)
	a.Id, b.Id = str("inv_a"), str("inv_b")
	saveInvoices(t, srv, srv.Token, a, b)
	totals := func(id string) []int64 {
		v, _ := srv.Invoice(id)
		x := v.Totals
		return []int64{*x.Subtotal, *x.DiscountedTotal, *x.SalesTax, *x.Total, *x.PaidAmount, *x.Balance}
	}
	pay := func(invoice string) {
		p := tightapi.PaymentInput{Id: str("ptxn_1"), Date: &types.Date{Time: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}, Amount: flex.Ptr[int64](5000),
			Children: &[]tightapi.PaymentChildInput{{Amount: flex.Ptr[int64](5000), InvoiceId: str(invoice)}}}
		r, err := c.SavePaymentsWithResponse(ctx, tightapi.SavePaymentsRequest{Data: []tightapi.PaymentInput{p}}, tok)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("save payment: %v %s", err, r.Body)
		}
	}
	want := func(id string, w ...int64) {
		t.Helper()
		if got := totals(id); !slices.Equal(got, w) {
			t.Fatalf("%s totals %v, want %v", id, got, w)
		}
	}
	pay("inv_a")
	want("inv_a", 10000, 9500, 843, 10343, 5000, 5343)
	want("inv_b", 10000, 9500, 843, 10343, 0, 10343)
	pay("inv_b") // the same payment, now paying the other invoice
	want("inv_a", 10000, 9500, 843, 10343, 0, 10343)
	want("inv_b", 10000, 9500, 843, 10343, 5000, 5343)
	if r, err := c.DeletePaymentWithResponse(ctx, "ptxn_1", tok); err != nil || r.StatusCode() != 200 {
		t.Fatalf("delete: %v", err)
	}
	want("inv_b", 10000, 9500, 843, 10343, 0, 10343)
	if r, _ := c.GetPaymentWithResponse(ctx, "ptxn_1", tok); r.StatusCode() != 404 {
		t.Fatalf("get after delete: %d", r.StatusCode())
	}
}
