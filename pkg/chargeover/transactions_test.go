package chargeover_test

import (
	"context"
	"errors"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
)

// payment pays amount of invoice (by external key) for customer acme.
func payment(gw string, amount float64, invoices ...string) chargeover.TransactionCreate {
	t := chargeover.TransactionCreate{CustomerExternalKey: ptr("acme"), TransactionType: chargeover.TransactionPay,
		Amount: &amount, TransactionMethod: ptr("Check"), TransactionDate: ptr("2026-01-03")}
	if gw != "" {
		t.GatewayTransid = &gw
	}
	var applied []chargeover.TransactionApplication
	for _, key := range invoices {
		applied = append(applied, chargeover.TransactionApplication{InvoiceExternalKey: ptr(key), Applied: &amount})
	}
	if len(applied) > 0 {
		t.AppliedTo = &applied
	}
	return t
}

// TestTransactionsChangeBalances checks the documents' arithmetic: an
// invoice of 29.95 × 3 + 29.95 × 2 = 149.75, paid 50.00 and then 99.75,
// has balances 149.75, 99.75 and 0.00, and turns closed-paid with the last
// payment; a re-run records nothing twice.
func TestTransactionsChangeBalances(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	if r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("inv-1", "acme")})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	balance := func() (string, string, bool) {
		inv, err := c.GetInvoiceByExternalKey(ctx, "inv-1")
		if err != nil {
			t.Fatal(err)
		}
		return inv.Balance.String(), *inv.InvoiceStatusStr, bool(*inv.IsPaid)
	}
	if b, s, paid := balance(); b != "149.75" || s != "open-unpaid" || paid {
		t.Fatalf("before: %s %s %t", b, s, paid)
	}
	pays := []chargeover.TransactionCreate{payment("gw-1", 50, "inv-1")}
	res := c.CreateTransactions(ctx, pays)
	if res[0].Err != nil || res[0].Outcome != billbridge.Created {
		t.Fatalf("%+v", res[0])
	}
	if b, s, paid := balance(); b != "99.75" || s != "open-unpaid" || paid {
		t.Fatalf("after 50.00: %s %s %t", b, s, paid)
	}
	pays = append(pays, payment("gw-2", 99.75, "inv-1"))
	res = c.CreateTransactions(ctx, pays)
	if res[0].Outcome != billbridge.Unchanged || res[1].Err != nil || res[1].Outcome != billbridge.Created {
		t.Fatalf("%+v / %+v", res[0], res[1])
	}
	if b, s, paid := balance(); b != "0.00" || s != "closed-paid" || !paid {
		t.Fatalf("after 99.75: %s %s %t", b, s, paid)
	}
	// Over-paying is refused; the balance stays.
	if r := c.CreateTransactions(ctx, []chargeover.TransactionCreate{payment("gw-3", 1, "inv-1")})[0]; r.Err == nil || r.Status != 400 {
		t.Errorf("over-payment: %+v", r)
	}
	got, err := c.GetTransaction(ctx, res[1].Value)
	if err != nil || got.Amount.String() != "99.75" || len(*got.AppliedTo) != 1 || (*got.AppliedTo)[0].Applied.String() != "99.75" {
		t.Errorf("read: %+v %v", got, err)
	}
	n := 0
	for tx, err := range c.ListTransactions(ctx, chargeover.TransactionQuery{Where: []chargeover.Condition{{Field: "gateway_transid", Op: chargeover.Equals, Value: "gw-2"}}}) {
		if err != nil || tx.TransactionId.String() != res[1].ID {
			t.Errorf("%v %v", tx.TransactionId, err)
		}
		n++
	}
	if n != 1 || len(srv.Transactions()) != 2 {
		t.Errorf("listed %d, stored %d", n, len(srv.Transactions()))
	}
	if _, err := c.GetTransaction(ctx, 99999); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	// Other data under a used gateway_transid: a conflict, nothing recorded.
	other := payment("gw-1", 40, "inv-1")
	if r := c.CreateTransactions(ctx, []chargeover.TransactionCreate{other})[0]; !errors.Is(r.Err, billbridge.ErrConflict) {
		t.Errorf("conflict: %+v", r)
	}
}

func TestTransactionsValidation(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	noCustomer := payment("g", 1)
	noCustomer.CustomerExternalKey = nil
	twoRefs := payment("h", 1, "x")
	(*twoRefs.AppliedTo)[0].InvoiceId = ptr(int64(5000))
	res := c.CreateTransactions(context.Background(), []chargeover.TransactionCreate{noCustomer, twoRefs, payment("k", 1), payment("k", 1)})
	var ve *billbridge.ValidationError
	if !errors.As(res[0].Err, &ve) || ve.Field != "customer_id" {
		t.Errorf("no customer: %v", res[0].Err)
	}
	if !errors.As(res[1].Err, &ve) || ve.Field != "applied_to/0/invoice_id" {
		t.Errorf("two references: %v", res[1].Err)
	}
	if !errors.As(res[3].Err, &ve) || ve.Field != "gateway_transid" || ve.Index != 3 {
		t.Errorf("repeated key: %v", res[3].Err)
	}
}

// TestCreateTransactionsFaults gives the create request each fault once:
// keyed payments are recorded once whatever happens; a payment without a
// gateway_transid whose answer is lost stays unknown and is not re-sent.
func TestCreateTransactionsFaults(t *testing.T) {
	t.Parallel()
	for _, kind := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			// The lookup of the invoice create and its create pass, then the
			// transaction lookup, then the fault on the transaction create.
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.None, fault.None, kind}}))
			srv.Seed(cust("acme", "Acme"))
			c := newClient(t, srv)
			ctx := context.Background()
			if r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("inv-1", "acme")})[0]; r.Err != nil {
				t.Fatal(r.Err)
			}
			res := c.CreateTransactions(ctx, []chargeover.TransactionCreate{payment("gw-1", 10, "inv-1"), payment("gw-2", 20, "inv-1"), payment("", 30, "inv-1")})
			per := map[string]int{}
			for _, tx := range srv.Transactions() {
				per[deref(tx.GatewayTransid)]++
			}
			if per["gw-1"] != 1 || per["gw-2"] != 1 || per[""] > 1 {
				t.Fatalf("transactions per key: %v", per)
			}
			for i, r := range res[:2] {
				if r.Err != nil || r.Outcome != billbridge.Created {
					t.Errorf("item %d: %+v", i, r)
				}
			}
			acted := kind == fault.DropAfter || kind == fault.Status500After || kind == fault.TruncatedJSON
			switch {
			case kind == fault.TooMany:
				if res[2].Err != nil || per[""] != 1 {
					t.Errorf("keyless after 429: %v, %d", res[2].Err, per[""])
				}
			case !errors.Is(res[2].Err, billbridge.ErrOutcomeUnknown) || acted != (per[""] == 1):
				t.Errorf("keyless: %v, recorded %d", res[2].Err, per[""])
			}
			// The invoice's balance is what was recorded, no more.
			inv, err := c.GetInvoiceByExternalKey(ctx, "inv-1")
			want := map[int]string{1: "89.75", 0: "119.75"}[per[""]]
			if err != nil || inv.Balance.String() != want {
				t.Errorf("balance %v, want %s (%v)", inv.Balance, want, err)
			}
		})
	}
}

// TestTransactionsFractionOfCentRefused: ChargeOver keeps amounts to the
// cent, so a payment of 0.125 would be stored as 0.13 and found differing
// by every re-run (and by the read-back of its own lost answer): a
// conflict instead of unchanged. Such amounts are refused before sending,
// naming the field.
func TestTransactionsFractionOfCentRefused(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	srv.Seed(cust("acme", "Acme"))
	c := newClient(t, srv)
	ctx := context.Background()
	if r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{invoice("inv-1", "acme")})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	applied := payment("gw-2", 1, "inv-1")
	(*applied.AppliedTo)[0].Applied = ptr(0.125)
	for run := range 2 {
		res := c.CreateTransactions(ctx, []chargeover.TransactionCreate{payment("gw-1", 0.125), applied, payment("gw-3", 29.95, "inv-1")})
		for i, field := range []string{"amount", "applied_to/0/applied"} {
			var ve *billbridge.ValidationError
			if !errors.As(res[i].Err, &ve) || ve.Field != field || ve.Index != i {
				t.Errorf("run %d item %d: %+v, want a validation error of %s", run, i, res[i], field)
			}
		}
		if want := []billbridge.Outcome{billbridge.Created, billbridge.Unchanged}[run]; res[2].Err != nil || res[2].Outcome != want {
			t.Errorf("run %d: 29.95: %+v", run, res[2])
		}
	}
	if n := len(srv.Transactions()); n != 1 {
		t.Errorf("%d transactions held, want 1", n)
	}
}
