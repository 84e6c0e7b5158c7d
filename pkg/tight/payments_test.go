package tight_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oapi-codegen/runtime/types"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// seedInvoice saves the seed document's customer and invoice (subtotal
// 10000, 5 % discount before 8.875 % tax) and returns the invoice's id.
func seedInvoice(t *testing.T, c *tight.Client) string {
	t.Helper()
	ctx := context.Background()
	cus, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: flex.Ptr("cus_28868401"), Name: flex.Ptr("Acme Corp"), Email: flex.Ptr("billing@acme.com")})
	if err != nil {
		t.Fatal(err)
	}
	pct := tight.AdjustmentPercent
	inv, err := c.SaveInvoice(ctx, tight.InvoiceInput{
		Name: flex.Ptr("June Consulting Invoice"), CustomerId: &cus.Id,
		LineItems: &[]tight.LineItemInput{{Description: flex.Ptr("Consulting services"), Quantity: flex.Ptr(flex.Decimal("2.0")), Price: flex.Ptr(flex.Decimal("5000.0"))}},
		Discount:  &tight.Discount{Value: flex.Ptr(flex.Decimal("5.0")), Type: &pct, CalculateBeforeSalesTax: flex.Ptr(flex.Bool(true))},
		SalesTax:  &tight.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: &pct},
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv.Id
}

// flexDate parses a date of the tests.
func flexDate(s string) types.Date {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return types.Date{Time: d}
}

// payment is a create paying amount of invoice (none when "").
func payment(desc string, amount int64, invoice string) tight.PaymentInput {
	p := tight.PaymentInput{Date: flex.Ptr(flexDate("2025-07-01")), Amount: &amount, Description: &desc}
	if invoice != "" {
		p.Children = &[]tight.PaymentChildInput{{Amount: &amount, InvoiceId: &invoice}}
	}
	return p
}

// A payment naming the seed invoice changes its paidAmount and balance by
// the document's numbers; reading, listing and deleting it work, and the
// delete gives the balance back.
func TestPaymentsPayAnInvoice(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	invID := seedInvoice(t, c)

	res := c.SavePayments(ctx, []tight.PaymentInput{payment("June, first half", 5000, invID), {Date: flex.Ptr(flexDate("2025-07-02"))}, payment("Other", 100, "")})
	checkOrdered(t, res, 3)
	if res[0].Err != nil || res[2].Err != nil || !slices.Contains([]int{200}, res[0].Status) {
		t.Fatalf("saves: %+v", res)
	}
	var ae *billbridge.APIError
	if !errors.As(res[1].Err, &ae) || ae.Param != "amount" {
		t.Fatalf("a payment without amount: %v", res[1].Err)
	}
	inv, _ := srv.Invoice(invID)
	tot := inv.Totals
	got := []int64{*tot.Subtotal, *tot.DiscountedTotal, *tot.SalesTax, *tot.Total, *tot.PaidAmount, *tot.Balance}
	if want := []int64{10000, 9500, 843, 10343, 5000, 5343}; !slices.Equal(got, want) {
		t.Fatalf("totals %v, want %v", got, want)
	}

	p, err := c.GetPayment(ctx, res[0].ID)
	if err != nil || p.Children == nil || *(*p.Children)[0].InvoiceId != invID || *p.Amount != 5000 {
		t.Fatalf("get: %+v, %v", p, err)
	}
	var listed []string
	for p, err := range c.ListPayments(ctx, tight.PaymentQuery{Description: tight.Equal("June, first half")}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, p.Id)
	}
	if !slices.Equal(listed, []string{res[0].ID}) {
		t.Fatalf("listed %v", listed)
	}
	if err := c.DeletePayment(ctx, res[0].ID); err != nil {
		t.Fatal(err)
	}
	if inv, _ := srv.Invoice(invID); *inv.Totals.PaidAmount != 0 || *inv.Totals.Balance != 10343 {
		t.Fatalf("after the delete: paid %d, balance %d", *inv.Totals.PaidAmount, *inv.Totals.Balance)
	}
	if _, err := c.GetPayment(ctx, res[0].ID); !errors.Is(err, billbridge.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := c.DeletePayment(ctx, res[0].ID); !errors.Is(err, billbridge.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

// Local validation refuses an item before sending (the error names item and
// field); the Seq form yields the results in input order.
func TestPaymentsValidationAndSeq(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	bad := payment("too much custom data", 1, "")
	data := tight.CustomData{}
	for i := range 51 {
		data[fmt.Sprintf("f%d", i)] = i
	}
	bad.CustomData = &data
	items := []tight.PaymentInput{payment("a", 1, ""), bad, payment("c", 3, "")}
	var got []billbridge.Result[tight.Payment]
	for r := range c.SavePaymentsSeq(context.Background(), slices.Values(items)) {
		got = append(got, r)
	}
	checkOrdered(t, got, 3)
	var ve *billbridge.ValidationError
	if !errors.As(got[1].Err, &ve) || ve.Index != 1 || !strings.HasPrefix(ve.Field, "customData") {
		t.Fatalf("validation: %v", got[1].Err)
	}
	if got[0].Err != nil || got[2].Err != nil || len(srv.Payments()) != 2 {
		t.Fatalf("%+v; %d payments", got, len(srv.Payments()))
	}
	if err := tight.ValidatePayment(bad); !errors.As(err, &ve) {
		t.Fatalf("ValidatePayment: %v", err)
	}
}

// Every fault on the save: the faults after Tight acted (the answer lost)
// are settled by the create key, found and reported as existing; the faults
// before acting are sent again. No fault leaves a duplicate or an unknown
// outcome.
func TestPaymentsFaults(t *testing.T) {
	// Attempts count the save requests that carried the item and, as for
	// customers and invoices, the queries that looked the request's keys
	// up after an unknown outcome (one per distinct description: 2); the
	// first read of an empty account is one page walked, the call's.
	cases := []struct {
		kind     fault.Kind
		existing bool // settled by finding the payment the lost answer made
		attempts int
	}{
		{fault.DropAfter, true, 1 + 2},
		{fault.Status500After, true, 1 + 2},
		{fault.TruncatedJSON, true, 1 + 2},
		{fault.Status503, false, 2 + 2},  // unknown, looked up, absent, sent again
		{fault.TooMany, false, 2},        // 429: surely not acted, repeated
		{fault.DropBefore, false, 2 + 2}, // the fake's drop reads as "may have acted": looked up, sent again
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{tc.kind}, Skip: isQuery}))
			c := newClient(t, srv)
			items := []tight.PaymentInput{payment("p0", 10, ""), payment("p1", 20, ""), payment("p0", 10, "")}
			res := c.SavePayments(context.Background(), items)
			checkOrdered(t, res, len(items))
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("item %d (%s): %v", i, tc.kind, r.Err)
				}
				if r.Existing != tc.existing {
					t.Errorf("item %d: existing %v, want %v", i, r.Existing, tc.existing)
				}
				if r.Attempts != tc.attempts {
					t.Errorf("item %d: %d attempts, want %d", i, r.Attempts, tc.attempts)
				}
			}
			if n := len(srv.Payments()); n != len(items) {
				t.Fatalf("the fake holds %d payments for %d items (duplicates)", n, len(items))
			}
			// Saved again: every create key is found, nothing is created.
			for i, r := range c.SavePayments(context.Background(), items) {
				if r.Err != nil || !r.Existing {
					t.Fatalf("second save, item %d: %+v", i, r)
				}
			}
			if n := len(srv.Payments()); n != len(items) {
				t.Fatalf("after a second save the fake holds %d payments", n)
			}
		})
	}
}

// Payments of a batch under a 30 % rate of every after-acting fault, saved
// twice: no duplicate, no unknown outcome.
func TestPaymentsUnderAfterActingFaults(t *testing.T) {
	const n = 200
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Seed: 11, Skip: isQuery,
		Rates: map[fault.Kind]float64{fault.DropAfter: 0.1, fault.Status500After: 0.1, fault.TruncatedJSON: 0.1}}))
	c := newClient(t, srv)
	items := make([]tight.PaymentInput, n)
	for i := range items {
		items[i] = payment(fmt.Sprintf("pay-%d", i), int64(100+i), "")
	}
	for round := 0; round < 2; round++ {
		for i, r := range c.SavePayments(context.Background(), items) {
			if r.Err != nil {
				t.Fatalf("round %d, item %d: %v", round, i, r.Err)
			}
		}
	}
	seen := map[string]int{}
	for _, p := range srv.Payments() {
		seen[*p.Description]++
	}
	if len(srv.Payments()) != n || len(seen) != n {
		t.Fatalf("the fake holds %d payments (%d distinct) for %d items", len(srv.Payments()), len(seen), n)
	}
}

// A create's key is looked up by the item's description, one query, not by
// a walk of every payment (2,000 payments are 8 pages), before the create
// and after a lost answer alike; a payment without description still walks.
func TestPaymentCreateKeyLookupCost(t *testing.T) {
	var armed atomic.Bool
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Skip:     func(r *http.Request) bool { return !armed.Load() || isQuery(r) },
		Sequence: []fault.Kind{fault.DropAfter}}))
	c := newClient(t, srv)
	items := make([]tight.PaymentInput, 2000)
	for i := range items {
		items[i] = payment(fmt.Sprintf("seed-%d", i), 1, "")
	}
	for _, r := range c.SavePayments(context.Background(), items, tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	armed.Store(true) // the next save loses its answer after Tight acted
	before := srv.Count("queryPayments", 0)
	p := payment("one more", 7, "")
	r := c.SavePayments(context.Background(), []tight.PaymentInput{p})[0]
	if r.Err != nil || !r.Existing || len(srv.Payments()) != 2001 {
		t.Fatalf("%+v (%v); %d payments", r, r.Err, len(srv.Payments()))
	}
	if n := srv.Count("queryPayments", 0) - before; n > 2 {
		t.Fatalf("%d query pages for one create (looked up before and after its lost answer): the key is found by walking every payment", n)
	}
	before = srv.Count("queryPayments", 0)
	if r := c.SavePayments(context.Background(), []tight.PaymentInput{{Date: p.Date, Amount: p.Amount}})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	if n := srv.Count("queryPayments", 0) - before; n != 9 {
		t.Errorf("%d query pages for a create without description, want one walk (9)", n)
	}
}

// A payment without description is looked up by walking every payment;
// the walk's requests are read-backs of the item, so its Attempts count
// them (Result.Attempts: "sends and read-backs").
func TestPaymentWalkCountsAttempts(t *testing.T) {
	var armed atomic.Bool
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Skip:     func(r *http.Request) bool { return !armed.Load() || isQuery(r) },
		Sequence: []fault.Kind{fault.DropAfter}}))
	c := newClient(t, srv)
	items := make([]tight.PaymentInput, 600)
	for i := range items {
		items[i] = payment(fmt.Sprintf("seed-%d", i), 1, "")
	}
	for _, r := range c.SavePayments(context.Background(), items, tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	armed.Store(true)
	before := srv.Count("queryPayments", 0)
	amount := int64(3)
	r := c.SavePayments(context.Background(), []tight.PaymentInput{{Date: flex.Ptr(flexDate("2025-07-03")), Amount: &amount}})[0]
	pages := srv.Count("queryPayments", 0) - before
	if r.Err != nil || !r.Existing {
		t.Fatalf("%+v (%v)", r, r.Err)
	}
	if r.Attempts != 1+pages {
		t.Fatalf("%d attempts: 1 save and %d query pages read for the item", r.Attempts, pages)
	}
}

// Creates sharing a description share its query: 1,000 payments of that
// description (4 pages) are read once per lookup, not once per item.
func TestPaymentLookupsShareADescription(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	items := make([]tight.PaymentInput, 1000)
	for i := range items {
		items[i] = payment("Stripe payout", int64(i+1), "")
	}
	for _, r := range c.SavePayments(context.Background(), items, tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	before := srv.Count("queryPayments", 0)
	res := c.SavePayments(context.Background(), []tight.PaymentInput{
		payment("Stripe payout", 5001, ""), payment("Stripe payout", 5002, ""), payment("Stripe payout", 5003, "")})
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}
	// At most: the index's budget (3 pages, one per item) and one read of
	// the description's 4 pages.
	if n := srv.Count("queryPayments", 0) - before; n > 3+4 {
		t.Fatalf("%d query pages for 3 creates of one description: one query per item", n)
	}
}

// A create key function that gives two items the same key (two payments
// keyed by the invoice they pay): the repeat is refused, naming the first,
// instead of both being created under one key (which a re-run then finds
// held by two payments, a conflict it cannot resolve).
func TestPaymentCreateKeyRepeatRefused(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	invID := seedInvoice(t, c)
	items := []tight.PaymentInput{payment("first half", 5000, invID), payment("second half", 5343, invID)}
	byInvoice := tight.WithPaymentCreateKey(func(_ int, p tight.PaymentInput) string { return *(*p.Children)[0].InvoiceId })
	res := c.SavePayments(context.Background(), items, byInvoice)
	var ve *billbridge.ValidationError
	if res[0].Err != nil || !errors.As(res[1].Err, &ve) || ve.Index != 1 || !strings.Contains(ve.Reason, "repeats item 0") {
		t.Fatalf("%v; %v", res[0].Err, res[1].Err)
	}
	if n := len(srv.Payments()); n != 1 {
		t.Fatalf("the fake holds %d payments under one create key", n)
	}
}
