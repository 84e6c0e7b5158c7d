package chargeover_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestInvoiceUpdateVoidEmailPay runs each invoice call against the fake:
// an update re-prices the lines, a sync in upsert mode updates, pay pays
// the balance once, void refuses a paid invoice, email sends.
func TestInvoiceUpdateVoidEmailPay(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	res := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("a", "acme"), invoice("b", "acme")})
	a, b := res[0].Value, res[1].Value
	// 29.95 × 4 = 119.80 on one line.
	lines := []chargeover.InvoiceLineCreate{{LineRate: ptr(29.95), LineQuantity: ptr(4.0)}}
	if err := c.UpdateInvoice(ctx, a, chargeover.InvoiceChanges{LineItems: &lines}); err != nil {
		t.Fatal(err)
	}
	if inv, _ := c.GetInvoice(ctx, a); inv.Total.String() != "119.80" || len(*inv.LineItems) != 1 {
		t.Errorf("after update: %v %d", inv.Total, len(*inv.LineItems))
	}
	ups := c.UpdateInvoices(ctx, []chargeover.InvoiceUpdate{{ID: 99999, Invoice: chargeover.InvoiceChanges{Memo: ptr("x")}}, {ID: 0}})
	var ve *billbridge.ValidationError
	if !errors.Is(ups[0].Err, billbridge.ErrNotFound) || !errors.As(ups[1].Err, &ve) || ve.Field != "invoice_id" {
		t.Errorf("update errors: %v / %v", ups[0].Err, ups[1].Err)
	}
	// Upsert: invoice b found with other lines is updated, not duplicated.
	changed := invoice("b", "acme")
	changed.LineItems = changed.LineItems[:1]
	r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{changed}, option.WithMode(billbridge.ModeUpsert))[0]
	if r.Err != nil || r.Outcome != billbridge.Updated || r.Value != b {
		t.Fatalf("upsert: %+v", r)
	}
	if inv, _ := c.GetInvoice(ctx, b); inv.Total.String() != "89.85" || len(srv.Invoices()) != 2 {
		t.Errorf("after upsert: %v, %d invoices", inv.Total, len(srv.Invoices()))
	}
	// Pay: the whole balance, once.
	paid, err := c.PayInvoice(ctx, chargeover.InvoicePayment{ID: a})
	if err != nil || !paid {
		t.Fatalf("pay: %t %v", paid, err)
	}
	again, err := c.PayInvoice(ctx, chargeover.InvoicePayment{ID: a})
	if err != nil || again {
		t.Errorf("second pay: %t %v", again, err)
	}
	if inv, _ := c.GetInvoice(ctx, a); inv.Balance.String() != "0.00" || *inv.InvoiceStatusStr != "closed-paid" || len(srv.Transactions()) != 1 {
		t.Errorf("after pay: %v %v, %d transactions", inv.Balance, *inv.InvoiceStatusStr, len(srv.Transactions()))
	}
	// Void: refused for the paid invoice, done (twice) for the other.
	vr := c.VoidInvoices(ctx, []int64{a, b, b})
	if vr[0].Err == nil || vr[0].Status != 400 || vr[1].Err != nil || !vr[1].Value || vr[2].Err != nil {
		t.Errorf("void: %+v", vr)
	}
	if inv, _ := c.GetInvoice(ctx, b); *inv.InvoiceStatusStr != "closed-void" {
		t.Errorf("after void: %v", *inv.InvoiceStatusStr)
	}
	// Email.
	if err := c.EmailInvoice(ctx, chargeover.InvoiceEmail{ID: a, To: "jane@example.com", Subject: "Hi"}); err != nil {
		t.Fatal(err)
	}
	if er := c.EmailInvoices(ctx, []chargeover.InvoiceEmail{{ID: a, To: "not an address"}})[0]; !errors.As(er.Err, &ve) {
		t.Errorf("bad address: %v", er.Err)
	}
	if es := srv.Emails(); len(es) != 1 || es[0].To != "jane@example.com" || es[0].Subject != "Hi" {
		t.Errorf("emails %+v", es)
	}
}

// TestInvoiceActionFaults: void and pay are safe to repeat (a lost answer
// is retried, and the effect happens once); an e-mail whose answer is lost
// is not sent again.
func TestInvoiceActionFaults(t *testing.T) {
	t.Parallel()
	for _, kind := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			// The invoice create's lookup and create pass; the action gets
			// the fault.
			start := func() (*chargeovertest.Server, *chargeover.Client, int64) {
				srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.None, kind}}))
				srv.Seed(cust("acme", "Acme"))
				c := newClient(t, srv)
				r := c.CreateInvoices(context.Background(), []chargeover.InvoiceCreate{invoice("a", "acme")})[0]
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				return srv, c, r.Value
			}
			ctx := context.Background()
			srv, c, id := start()
			if _, err := c.PayInvoice(ctx, chargeover.InvoicePayment{ID: id}); err != nil {
				t.Errorf("pay: %v", err)
			}
			if n := len(srv.Transactions()); n != 1 {
				t.Errorf("%d payments recorded, want 1", n)
			}
			srv, c, id = start()
			if err := c.VoidInvoice(ctx, id); err != nil {
				t.Errorf("void: %v", err)
			}
			if inv := srv.Invoices()[0]; *inv.InvoiceStatusStr != "closed-void" {
				t.Errorf("after void: %s", *inv.InvoiceStatusStr)
			}
			srv, c, id = start()
			err := c.EmailInvoice(ctx, chargeover.InvoiceEmail{ID: id})
			acted := kind == fault.DropAfter || kind == fault.Status500After || kind == fault.TruncatedJSON
			sent := len(srv.Emails())
			switch {
			case kind == fault.TooMany:
				if err != nil || sent != 1 {
					t.Errorf("email after 429: %v, %d sent", err, sent)
				}
			case !errors.Is(err, billbridge.ErrOutcomeUnknown) || acted != (sent == 1) || sent > 1:
				t.Errorf("email: %v, %d sent", err, sent)
			}
		})
	}
}

// TestEmailInvoicesRepeatRefused: an input that names one invoice and
// recipient twice (a line repeated in a file) e-mails it once; the repeat
// is refused, naming the earlier item, in EmailInvoices and
// EmailInvoicesSeq. Another recipient of the same invoice is sent.
func TestEmailInvoicesRepeatRefused(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	id := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("a", "acme")})[0].Value
	in := []chargeover.InvoiceEmail{{ID: id}, {ID: id, To: "jane@example.com"}, {ID: id}, {ID: id, To: "jane@example.com"}}
	check := func(how string, res []billbridge.Result[bool]) {
		t.Helper()
		var ve *billbridge.ValidationError
		if res[0].Err != nil || res[1].Err != nil || !errors.As(res[2].Err, &ve) || ve.Index != 2 || ve.Field != "invoice_id" ||
			!errors.As(res[3].Err, &ve) || ve.Index != 3 {
			t.Errorf("%s: %v / %v / %v / %v", how, res[0].Err, res[1].Err, res[2].Err, res[3].Err)
		}
	}
	check("EmailInvoices", c.EmailInvoices(ctx, in))
	var seq []billbridge.Result[bool]
	for r := range c.EmailInvoicesSeq(ctx, slices.Values(in)) {
		seq = append(seq, r)
	}
	check("EmailInvoicesSeq", seq)
	if n := len(srv.Emails()); n != 4 {
		t.Errorf("%d e-mails sent, want 4 (2 per call)", n)
	}
}

// TestEmailInvoicesBadAddressNamesField: a bad sender address is reported
// as message_from, a bad recipient as email; nothing is sent.
func TestEmailInvoicesBadAddressNamesField(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	id := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("a", "acme")})[0].Value
	res := c.EmailInvoices(ctx, []chargeover.InvoiceEmail{
		{ID: id, To: "jane@example.com", From: "not an address"},
		{ID: id, To: "not an address", From: "billing@example.com"},
	})
	for i, want := range []string{"message_from", "email"} {
		var ve *billbridge.ValidationError
		if !errors.As(res[i].Err, &ve) || ve.Field != want || ve.Index != i {
			t.Errorf("item %d: %v, want a validation error of %s", i, res[i].Err, want)
		}
	}
	if n := len(srv.Emails()); n != 0 {
		t.Errorf("%d e-mails sent", n)
	}
}

// TestPayInvoicesRepeatRefused: an input that names one invoice twice pays
// it once; the repeat is refused, naming the earlier item, nothing sent, in
// PayInvoices and PayInvoicesSeq. Two pays of one invoice in flight at once
// could both charge.
func TestPayInvoicesRepeatRefused(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	created := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("a", "acme"), invoice("b", "acme")})
	a, b := created[0].Value, created[1].Value
	in := []chargeover.InvoicePayment{{ID: a, UseCustomerBalance: true}, {ID: b, UseCustomerBalance: true}, {ID: a}}
	check := func(how string, res []billbridge.Result[bool]) {
		t.Helper()
		var ve *billbridge.ValidationError
		if res[0].Err != nil || res[1].Err != nil || !errors.As(res[2].Err, &ve) || ve.Index != 2 || ve.Field != "invoice_id" ||
			!strings.Contains(ve.Reason, "repeats item 0") {
			t.Errorf("%s: %v / %v / %v", how, res[0].Err, res[1].Err, res[2].Err)
		}
	}
	check("PayInvoices", c.PayInvoices(ctx, in))
	var seq []billbridge.Result[bool]
	for r := range c.PayInvoicesSeq(ctx, slices.Values(in)) {
		seq = append(seq, r)
	}
	check("PayInvoicesSeq", seq)
	if n := srv.Count("invoiceAction", 0); n != 4 {
		t.Errorf("%d invoice actions sent, want 4 (2 per call)", n)
	}
}
