package tight_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/oapi-codegen/runtime/types"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// Saving customers: one result per item, in order; a refused item carries
// Tight's error type and the field it is about.
func ExampleClient_SaveCustomers() {
	srv := tighttest.NewServer() // a fake Tight; use option.WithBaseURL for production
	defer srv.Close()
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		panic(err)
	}
	items := []tight.CustomerInput{
		{Name: flex.Ptr("Acme Corp"), Email: flex.Ptr("billing@acme.com")},
		{Email: flex.Ptr("nameless@example.com")},
		{Id: flex.Ptr("cus_28868401"), Name: flex.Ptr("Globex")},
	}
	for _, r := range c.SaveCustomers(context.Background(), items) {
		var ae *billbridge.APIError
		switch {
		case errors.As(r.Err, &ae):
			fmt.Println(r.Index, "refused:", ae.StatusCode, ae.Code, ae.Param)
		case errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
			fmt.Println(r.Index, "may or may not be saved: check before re-sending")
		case r.Err != nil:
			fmt.Println(r.Index, "failed:", r.Err)
		default:
			fmt.Println(r.Index, "saved:", r.ID, *r.Value.Name)
		}
	}
	// Output:
	// 0 saved: cus_1 Acme Corp
	// 1 refused: 400 REQUIRED name
	// 2 saved: cus_28868401 Globex
}

// Saving invoices from a stream: results arrive in input order while at
// most a few chunks are held in memory.
func ExampleClient_SaveInvoicesSeq() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	customer := c.SaveCustomers(ctx, []tight.CustomerInput{{Name: flex.Ptr("Abigail Adams")}})[0]
	invoices := []tight.InvoiceInput{{
		CustomerId: &customer.ID,
		Name:       flex.Ptr("June Consulting Invoice"),
		LineItems:  &[]tight.LineItemInput{{Quantity: flex.Ptr(flex.Decimal("2.0")), Price: flex.Ptr(flex.Decimal("5000.0"))}},
		Discount: &tight.Discount{Type: flex.Ptr(tight.AdjustmentPercent), Value: flex.Ptr(flex.Decimal("5.0")),
			CalculateBeforeSalesTax: flex.Ptr(flex.Bool(true))},
		SalesTax: &tight.SalesTax{Type: flex.Ptr(tight.AdjustmentPercent), Value: flex.Ptr(flex.Decimal("8.875"))},
	}}
	for r := range c.SaveInvoicesSeq(ctx, slices.Values(invoices)) {
		if r.Err != nil {
			fmt.Println(r.Index, r.Err)
			continue
		}
		fmt.Println(r.Index, r.ID, *r.Value.Totals.Total)
	}
	// Output:
	// 0 inv_1 10343
}

// Invalid items are refused locally, before anything is sent; the error
// names the item and the field.
func ExampleClient_SaveInvoices_validation() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	res := c.SaveInvoices(context.Background(), []tight.InvoiceInput{
		{LineItems: &[]tight.LineItemInput{{Price: flex.Ptr(flex.Decimal("12,50"))}}},
	})
	var ve *billbridge.ValidationError
	fmt.Println(errors.As(res[0].Err, &ve), ve.Index, ve.Field, res[0].Attempts)
	// Output:
	// true 0 lineItems/0/price 0
}

// A connection lost after Tight received a create (an item without id)
// leaves its outcome unknown: the facade does not resend it, since that
// could save the customer twice. Items with an id are upserts and safe to
// send again.
func ExampleClient_SaveCustomers_outcomeUnknown() {
	// The first request looks the create key up (absent); the fake saves
	// the customer, then drops the connection before the client reads the
	// answer: the create's outcome is unknown.
	srv := tighttest.NewServer(tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.DropAfter, fault.None, fault.DropAfter}}))
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	// With its create key (the default), the facade looks the customer up
	// again and finds it: created once, by the lost request (a lookup,
	// the create and the read-back: three attempts).
	for _, r := range c.SaveCustomers(context.Background(), []tight.CustomerInput{{Name: flex.Ptr("Acme Corp")}}) {
		fmt.Println(r.Index, r.OK(), r.Outcome, r.Existing, r.Attempts)
	}
	// Without create keys nothing can find it: the outcome stays unknown.
	for _, r := range c.SaveCustomers(context.Background(), []tight.CustomerInput{{Name: flex.Ptr("Globex")}}, tight.WithoutCreateKeys()) {
		fmt.Println(r.Index, errors.Is(r.Err, billbridge.ErrOutcomeUnknown), r.Attempts)
	}
	fmt.Println("stored:", len(srv.Customers()))
	// Output:
	// 0 true created true 3
	// 0 true 1
	// stored: 2
}

// Listing customers: the iterator walks every page itself (here pages of
// two), with the filters as typed values; an error ends the walk.
func ExampleClient_ListCustomers() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	c.SaveCustomers(ctx, []tight.CustomerInput{
		{Name: flex.Ptr("Acme Corp"), Status: flex.Ptr("ACTIVE")},
		{Name: flex.Ptr("Acme East"), Status: flex.Ptr("ACTIVE")},
		{Name: flex.Ptr("Acme West"), Status: flex.Ptr("ARCHIVED")},
		{Name: flex.Ptr("Globex"), Status: flex.Ptr("ACTIVE")},
		{Name: flex.Ptr("Acme North"), Status: flex.Ptr("ACTIVE")},
	})
	q := tight.CustomerQuery{Name: tight.Contain("acme"), Status: tight.StatusIn("ACTIVE"), OrderBy: tight.OrderByName, PageSize: 2}
	for cu, err := range c.ListCustomers(ctx, q) {
		if err != nil {
			fmt.Println("walk failed:", err)
			break
		}
		fmt.Println(cu.Id, *cu.Name)
	}
	// Output:
	// cus_1 Acme Corp
	// cus_2 Acme East
	// cus_5 Acme North
}

// Reading one customer back, e.g. to check an item whose save outcome is
// unknown; an unknown id wraps billbridge.ErrNotFound.
func ExampleClient_GetCustomer() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: flex.Ptr("cus_28868401"), Name: flex.Ptr("Acme Corp")}); err != nil {
		panic(err)
	}
	cu, err := c.GetCustomer(ctx, "cus_28868401")
	if err != nil {
		panic(err)
	}
	fmt.Println(cu.Id, *cu.Name, cu.CreatedDateTime != nil)
	_, err = c.GetCustomer(ctx, "cus_nobody")
	fmt.Println(errors.Is(err, billbridge.ErrNotFound))
	// Output:
	// cus_28868401 Acme Corp true
	// true
}

// Deleting customers: one result per id, in order.
func ExampleClient_DeleteCustomers() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	c.SaveCustomers(ctx, []tight.CustomerInput{{Id: flex.Ptr("cus_a"), Name: flex.Ptr("A")}})
	for _, r := range c.DeleteCustomers(ctx, []string{"cus_a", "cus_b"}) {
		fmt.Println(r.Index, r.ID, errors.Is(r.Err, billbridge.ErrNotFound))
	}
	// Output:
	// 0 cus_a false
	// 1  true
}

// End to end: customers, then invoices referring to them, then payments
// paying the invoices, each step a batch with one result per item. Every
// create carries a create key, so running the same program again (or a
// retry after a lost answer) creates nothing twice.
func Example_endToEnd() {
	srv := tighttest.NewServer() // a fake Tight: use option.WithBaseURL(tight.ProductionBaseURL) for production
	defer srv.Close()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	// 1. Customers.
	customers := c.SaveCustomers(ctx, []tight.CustomerInput{
		{Name: flex.Ptr("Acme Corp"), Email: flex.Ptr("billing@acme.com")},
		{Name: flex.Ptr("Globex"), Email: flex.Ptr("ap@globex.example")},
	})
	// 2. One invoice per customer, naming it by the id Tight gave it.
	pct := flex.Ptr(tight.AdjustmentPercent)
	var invoices []tight.InvoiceInput
	for _, r := range customers {
		if r.Err != nil {
			panic(r.Err)
		}
		invoices = append(invoices, tight.InvoiceInput{
			CustomerId: &r.ID,
			Name:       flex.Ptr("June Consulting Invoice"),
			LineItems:  &[]tight.LineItemInput{{Quantity: flex.Ptr(flex.Decimal("2.0")), Price: flex.Ptr(flex.Decimal("5000.0"))}},
			Discount:   &tight.Discount{Type: pct, Value: flex.Ptr(flex.Decimal("5.0")), CalculateBeforeSalesTax: flex.Ptr(flex.Bool(true))},
			SalesTax:   &tight.SalesTax{Type: pct, Value: flex.Ptr(flex.Decimal("8.875"))},
		})
	}
	saved := c.SaveInvoices(ctx, invoices)
	// 3. A payment of 5000 cents against each invoice: the child names the
	// invoice it pays.
	var payments []tight.PaymentInput
	for _, r := range saved {
		if r.Err != nil {
			panic(r.Err)
		}
		payments = append(payments, tight.PaymentInput{
			Date:        &types.Date{Time: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
			Amount:      flex.Ptr[int64](5000),
			Description: flex.Ptr("Payment for " + r.ID),
			CustomerId:  r.Value.Customer.Id,
			Children:    &[]tight.PaymentChildInput{{Amount: flex.Ptr[int64](5000), InvoiceId: &r.ID}},
		})
	}
	for _, r := range c.SavePayments(ctx, payments) {
		if r.Err != nil {
			panic(r.Err)
		}
		fmt.Println("payment", r.ID, "pays", *(*r.Value.Children)[0].InvoiceId)
	}
	// The invoices' totals now show the payments.
	for inv, err := range c.ListInvoices(ctx, tight.InvoiceQuery{}) {
		if err != nil {
			panic(err)
		}
		t := inv.Totals
		fmt.Println(inv.Id, *inv.Customer.Name, "total", *t.Total, "paid", *t.PaidAmount, "balance", *t.Balance)
	}
	// The same payments again: found by their create keys, not created twice.
	for _, r := range c.SavePayments(ctx, payments) {
		fmt.Println(r.ID, r.Outcome, "existing:", r.Existing)
	}
	// Output:
	// payment ptxn_1 pays inv_1
	// payment ptxn_2 pays inv_2
	// inv_1 Acme Corp total 10343 paid 5000 balance 5343
	// inv_2 Globex total 10343 paid 5000 balance 5343
	// ptxn_1 unchanged existing: true
	// ptxn_2 unchanged existing: true
}
