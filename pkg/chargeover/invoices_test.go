package chargeover_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// invoice is an invoice for the customer with external_key customer: two
// lines of 29.95, 3 and 2 units (149.75 in all).
func invoice(key, customer string) chargeover.InvoiceCreate {
	in := chargeover.InvoiceCreate{CustomerExternalKey: &customer, Date: ptr("2026-01-02"),
		LineItems: []chargeover.InvoiceLineCreate{
			{ItemId: ptr(int64(4)), Descrip: ptr("Support hours"), LineRate: ptr(29.95), LineQuantity: ptr(3.0)},
			{ItemId: ptr(int64(4)), Descrip: ptr("Support hours, weekend"), LineRate: ptr(29.95), LineQuantity: ptr(2.0)},
		}}
	if key != "" {
		in.ExternalKey = &key
	}
	return in
}

// invoiceCounts counts the fake's invoices per external_key.
func invoiceCounts(srv *chargeovertest.Server) map[string]int {
	n := map[string]int{}
	for _, inv := range srv.Invoices() {
		n[deref(inv.ExternalKey)]++
	}
	return n
}

func TestCreateInvoicesTotalsAndRerun(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	in := make([]chargeover.InvoiceCreate, 30) // two _bulk calls
	for i := range in {
		in[i] = invoice(fmt.Sprintf("inv-%02d", i), "acme")
	}
	res := c.CreateInvoices(ctx, in)
	for i, r := range res {
		if r.Index != i || r.Err != nil || r.Outcome != billbridge.Created || r.Value == 0 {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	got, err := c.GetInvoice(ctx, res[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.String() != "149.75" || got.Balance.String() != "149.75" || *got.InvoiceStatusStr != "open-unpaid" || len(*got.LineItems) != 2 {
		t.Errorf("total %v balance %v status %v lines %d", got.Total, got.Balance, *got.InvoiceStatusStr, len(*got.LineItems))
	}
	if (*got.LineItems)[0].LineTotal.String() != "89.85" {
		t.Errorf("line total %v, want 89.85 (29.95 × 3)", (*got.LineItems)[0].LineTotal)
	}
	// The same input again: every invoice is found with the same data.
	again := c.CreateInvoices(ctx, in)
	for i, r := range again {
		if r.Err != nil || r.Outcome != billbridge.Unchanged || r.Value != res[i].Value {
			t.Fatalf("rerun %d: %+v", i, r)
		}
	}
	if n := len(srv.Invoices()); n != len(in) {
		t.Errorf("%d invoices, want %d", n, len(in))
	}
	// Other data under a used key: a conflict naming the field.
	other := invoice("inv-00", "acme")
	other.LineItems[0].LineQuantity = ptr(4.0)
	r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{other})[0]
	if !errors.Is(r.Err, billbridge.ErrConflict) || r.Outcome != billbridge.Conflict || r.Changes[0].Field != "line_items/0/line_quantity" {
		t.Errorf("conflict: %+v", r)
	}
	// Seq, and a list of them all.
	n := 0
	for r := range c.CreateInvoicesSeq(ctx, func(yield func(chargeover.InvoiceCreate) bool) { yield(invoice("inv-seq", "acme")) }) {
		if r.Err != nil {
			t.Errorf("seq: %v", r.Err)
		}
		n++
	}
	listed := 0
	for inv, err := range c.ListInvoices(ctx, chargeover.InvoiceQuery{PageSize: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		if inv.LineItems != nil {
			t.Errorf("a list carries no lines")
		}
		listed++
	}
	if n != 1 || listed != len(in)+1 {
		t.Errorf("seq %d, listed %d", n, listed)
	}
	byKey, err := c.GetInvoiceByExternalKey(ctx, "inv-seq")
	if err != nil || byKey.Total.String() != "149.75" {
		t.Errorf("by key: %v %v", byKey, err)
	}
}

func TestCreateInvoicesRefusals(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	noCustomer := invoice("k1", "acme")
	noCustomer.CustomerExternalKey = nil
	noLines := invoice("k2", "acme")
	noLines.LineItems = nil
	res := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{noCustomer, noLines, invoice("k3", "nobody"), invoice("k4", "acme"), invoice("k4", "acme")})
	var ve *billbridge.ValidationError
	if !errors.As(res[0].Err, &ve) || ve.Field != "customer_id" || ve.Index != 0 {
		t.Errorf("no customer: %v", res[0].Err)
	}
	if !errors.As(res[1].Err, &ve) || ve.Field != "line_items" {
		t.Errorf("no lines: %v", res[1].Err)
	}
	var ae *billbridge.APIError
	if !errors.As(res[2].Err, &ae) || ae.StatusCode != 400 {
		t.Errorf("unknown customer: %v", res[2].Err)
	}
	if res[3].Err != nil || !errors.As(res[4].Err, &ve) || ve.Field != "external_key" {
		t.Errorf("repeated key: %v / %v", res[3].Err, res[4].Err)
	}
	if _, err := c.GetInvoice(ctx, 99999); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("missing invoice: %v", err)
	}
	if _, err := c.GetInvoiceByExternalKey(ctx, "nope"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := c.GetInvoice(ctx, 0); !errors.As(err, &ve) {
		t.Errorf("id 0: %v", err)
	}
	if n := len(srv.Invoices()); n != 1 {
		t.Errorf("%d invoices, want 1", n)
	}
}

// TestCreateInvoicesFaults gives the create request (after the lookup)
// each fault once: those where the fake acted are settled by reading the
// key back (created, Existing), the others are sent again; never twice.
func TestCreateInvoicesFaults(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind     fault.Kind
		existing bool
	}{
		{fault.DropAfter, true}, {fault.Status500After, true}, {fault.TruncatedJSON, true},
		{fault.Status503, false}, {fault.TooMany, false}, {fault.DropBefore, false},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, tt.kind}}))
			srv.Seed(cust("acme", "Acme"))
			c := newClient(t, srv)
			in := []chargeover.InvoiceCreate{invoice("f1", "acme"), invoice("f2", "acme"), invoice("", "acme")}
			res := c.CreateInvoices(context.Background(), in)
			counts := invoiceCounts(srv)
			if counts["f1"] != 1 || counts["f2"] != 1 || counts[""] > 1 {
				t.Fatalf("counts %v", counts)
			}
			for i, r := range res[:2] {
				if r.Err != nil || r.Outcome != billbridge.Created || r.Existing != tt.existing || r.Attempts < 2 {
					t.Errorf("item %d: %+v", i, r)
				}
			}
			// Without a key, a lost answer stays unknown (never resent):
			// only a 429 is surely not acted on, and retried.
			switch {
			case tt.kind == fault.TooMany && (res[2].Err != nil || counts[""] != 1):
				t.Errorf("keyless item after 429: %v (exists %d)", res[2].Err, counts[""])
			case tt.kind != fault.TooMany && !errors.Is(res[2].Err, billbridge.ErrOutcomeUnknown):
				t.Errorf("keyless item: %v, want outcome unknown", res[2].Err)
			case tt.existing != (counts[""] == 1) && tt.kind != fault.TooMany:
				t.Errorf("keyless item exists %d times after %s", counts[""], tt.kind)
			}
		})
	}
}

func TestCreateInvoiceOne(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.DropAfter}}))
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv, option.WithMaxRetries(2))
	id, err := c.CreateInvoice(context.Background(), invoice("one", "acme"))
	if err != nil || id == 0 || len(srv.Invoices()) != 1 {
		t.Fatalf("%d %v %d", id, err, len(srv.Invoices()))
	}
}

// TestInvoiceLineTwoItemRefsRefused: a line naming its item by both
// item_id and item_external_key is refused before sending, naming the line
// (ChargeOver keeps one of them silently, and a comparison skips the
// writeOnly item_external_key, so a disagreement would never show).
func TestInvoiceLineTwoItemRefsRefused(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	in := invoice("two-refs", "acme")
	in.LineItems[1].ItemExternalKey = ptr("item-9")
	r := c.CreateInvoices(context.Background(), []chargeover.InvoiceCreate{invoice("fine", "acme"), in})
	var ve *billbridge.ValidationError
	if r[0].Err != nil || !errors.As(r[1].Err, &ve) || ve.Index != 1 || ve.Field != "line_items/1/item_external_key" {
		t.Errorf("%v / %v", r[0].Err, r[1].Err)
	}
	if n := len(srv.Invoices()); n != 1 {
		t.Errorf("%d invoices held, want 1", n)
	}
	err := c.UpdateInvoice(context.Background(), r[0].Value, chargeover.InvoiceChanges{LineItems: &in.LineItems})
	if !errors.As(err, &ve) || ve.Field != "line_items/1/item_external_key" {
		t.Errorf("update: %v", err)
	}
}
