package chargeover_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
)

func ExampleClient_CreateCustomers() {
	srv := chargeovertest.NewServer(chargeovertest.WithCustomers(chargeover.CustomerCreate{Company: "Old Co", ExternalKey: ptr("old-1")}))
	defer srv.Close()
	// In production: chargeover.WithSite("mycompany") and credentials from
	// CHARGEOVER_USERNAME / CHARGEOVER_PASSWORD.
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	results := c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{
		{Company: "Acme Widgets Inc.", ExternalKey: ptr("acme-0001")},
		{Company: ""}, // invalid: refused before anything is sent
		{Company: "Reused Key LLC", ExternalKey: ptr("old-1")}, // the key is another customer's
		{Company: "Again Inc.", ExternalKey: ptr("acme-0001")}, // a key twice in one input: refused
	})
	for _, r := range results {
		var ae *billbridge.APIError
		switch {
		case r.Err == nil:
			fmt.Printf("item %d: customer %d (existing: %t)\n", r.Index, r.Value, r.Existing)
		case errors.Is(r.Err, billbridge.ErrConflict) && errors.As(r.Err, &ae):
			fmt.Printf("item %d: conflict on %s\n", r.Index, ae.Param)
		case errors.As(r.Err, &ae):
			fmt.Printf("item %d: refused with %d\n", r.Index, ae.StatusCode)
		default:
			fmt.Println(r.Err) // a *billbridge.ValidationError names the item and field
		}
	}
	// Output:
	// item 0: customer 1001 (existing: false)
	// item 1: field company: minimum string length is 1
	// item 2: conflict on company
	// item 3: field external_key: "acme-0001" repeats item 0: an input may hold a natural key once (nothing sent for this item)
}

func ExampleClient_GetCustomerByExternalKey() {
	srv := chargeovertest.NewServer(chargeovertest.WithCustomers(chargeover.CustomerCreate{Company: "Acme Widgets Inc.", ExternalKey: ptr("acme-0001")}))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	cust, err := c.GetCustomerByExternalKey(context.Background(), "acme-0001")
	if err != nil {
		panic(err)
	}
	fmt.Println(cust.CustomerId, *cust.Company)
	_, err = c.GetCustomerByExternalKey(context.Background(), "nobody")
	fmt.Println(errors.Is(err, billbridge.ErrNotFound))
	// Output:
	// 1000 Acme Widgets Inc.
	// true
}

func ExampleClient_CreateCustomer() {
	srv := chargeovertest.NewServer()
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	id, err := c.CreateCustomer(context.Background(), chargeover.CustomerCreate{Company: "Solo Ltd", ExternalKey: ptr("solo-1")})
	fmt.Println(id, err)
	// Output:
	// 1000 <nil>
}

func ExampleClient_CreateCustomersSeq() {
	srv := chargeovertest.NewServer()
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	// A stream, such as rows read from a file: only a few batches are in
	// memory at a time.
	rows := func(yield func(chargeover.CustomerCreate) bool) {
		for i := range 3 {
			if !yield(chargeover.CustomerCreate{Company: fmt.Sprintf("Row %d", i), ExternalKey: ptr(fmt.Sprintf("row-%d", i))}) {
				return
			}
		}
	}
	for r := range c.CreateCustomersSeq(context.Background(), rows) {
		fmt.Println(r.Index, r.ID, r.Err)
	}
	// Output:
	// 0 1000 <nil>
	// 1 1001 <nil>
	// 2 1002 <nil>
}

// A connection lost after ChargeOver received a create leaves its outcome
// unknown. An item with an external_key is settled by reading the customer
// back; one without ends as billbridge.ErrOutcomeUnknown rather than risk a
// duplicate.
func ExampleClient_CreateCustomers_outcomeUnknown() {
	// The first request looks the key up; the second, the create, loses
	// its answer after ChargeOver acted.
	srv := chargeovertest.NewServer(chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, fault.DropAfter}}))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	results := c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{
		{Company: "Keyed Inc.", ExternalKey: ptr("keyed-1")},
		{Company: "Keyless LLC"},
	})
	for _, r := range results {
		switch {
		case errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
			fmt.Printf("item %d: outcome unknown\n", r.Index)
		case r.Err != nil:
			fmt.Printf("item %d: %v\n", r.Index, r.Err)
		default:
			fmt.Printf("item %d: customer %d\n", r.Index, r.Value)
		}
	}
	fmt.Println("stored:", len(srv.Customers()))
	// Output:
	// item 0: customer 1000
	// item 1: outcome unknown
	// stored: 2
}

func ExampleClient_ListCustomers() {
	srv := chargeovertest.NewServer(chargeovertest.WithCustomers(
		chargeover.CustomerCreate{Company: "Acme Widgets Inc.", SuperuserEmail: ptr("jane@acme.example")},
		chargeover.CustomerCreate{Company: "Globex LLC"},
		chargeover.CustomerCreate{Company: "Acme East LLC"},
	))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	// Every customer whose company contains "acme", two per request; the
	// iterator walks the pages itself.
	q := chargeover.CustomerQuery{
		Where:    []chargeover.Condition{{Field: "company", Op: chargeover.Contains, Value: "acme"}},
		PageSize: 2,
	}
	for cust, err := range c.ListCustomers(context.Background(), q) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(cust.CustomerId, *cust.Company)
	}
	// Output:
	// 1000 Acme Widgets Inc.
	// 1002 Acme East LLC
}

func ExampleClient_GetCustomer() {
	srv := chargeovertest.NewServer(chargeovertest.WithCustomers(chargeover.CustomerCreate{Company: "Acme Widgets Inc.", ExternalKey: ptr("acme-0001")}))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	cust, err := c.GetCustomer(context.Background(), 1000)
	if err != nil {
		panic(err)
	}
	fmt.Println(cust.CustomerId, *cust.Company, *cust.ExternalKey)
	_, err = c.GetCustomer(context.Background(), 9999)
	fmt.Println(errors.Is(err, billbridge.ErrNotFound))
	// Output:
	// 1000 Acme Widgets Inc. acme-0001
	// true
}

func ExampleClient_UpdateCustomers() {
	srv := chargeovertest.NewServer(chargeovertest.WithCustomers(
		chargeover.CustomerCreate{Company: "Acme Widgets Inc.", ExternalKey: ptr("acme-0001")},
		chargeover.CustomerCreate{Company: "Globex LLC", ExternalKey: ptr("globex-1")},
	))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	results := c.UpdateCustomers(context.Background(), []chargeover.CustomerUpdate{
		{ID: 1000, Customer: chargeover.CustomerChanges{BillCity: ptr("Chicago")}},
		{ID: 1001, Customer: chargeover.CustomerChanges{ExternalKey: ptr("acme-0001")}}, // another customer's key
		{ID: 4242, Customer: chargeover.CustomerChanges{BillCity: ptr("Nowhere")}},
	})
	for _, r := range results {
		switch {
		case r.Err == nil:
			fmt.Printf("item %d: customer %d updated (%d)\n", r.Index, r.Value, r.Status)
		case errors.Is(r.Err, billbridge.ErrNotFound):
			fmt.Printf("item %d: no such customer\n", r.Index)
		default:
			fmt.Printf("item %d: refused with %d\n", r.Index, r.Status)
		}
	}
	// Output:
	// item 0: customer 1000 updated (202)
	// item 1: refused with 400
	// item 2: no such customer
}

// Example_endToEnd syncs customers, then invoices that name their
// customers by external_key, then payments (keyed by gateway_transid)
// applied to the invoices by external_key; every step runs twice, as a
// re-run of a sync would, and the second run creates nothing.
func Example_endToEnd() {
	srv := chargeovertest.NewServer()
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	customers := []chargeover.CustomerCreate{
		{Company: "Acme Widgets Inc.", ExternalKey: ptr("acme")},
		{Company: "Globex LLC", ExternalKey: ptr("globex")},
	}
	line := func(rate, qty float64) chargeover.InvoiceLineCreate {
		return chargeover.InvoiceLineCreate{Descrip: ptr("Support hours"), LineRate: &rate, LineQuantity: &qty}
	}
	invoices := []chargeover.InvoiceCreate{
		{ExternalKey: ptr("inv-1"), CustomerExternalKey: ptr("acme"), Date: ptr("2026-01-02"),
			LineItems: []chargeover.InvoiceLineCreate{line(29.95, 3), line(29.95, 2)}}, // 149.75
		{ExternalKey: ptr("inv-2"), CustomerExternalKey: ptr("globex"), Date: ptr("2026-01-02"),
			LineItems: []chargeover.InvoiceLineCreate{line(120, 1)}}, // 120.00
	}
	pay := func(gw, customer, invoice string, amount float64) chargeover.TransactionCreate {
		return chargeover.TransactionCreate{GatewayTransid: &gw, CustomerExternalKey: &customer, Amount: &amount,
			TransactionType: chargeover.TransactionPay, TransactionMethod: ptr("Check"), TransactionDate: ptr("2026-01-10"),
			AppliedTo: &[]chargeover.TransactionApplication{{InvoiceExternalKey: &invoice, Applied: &amount}}}
	}
	payments := []chargeover.TransactionCreate{
		pay("chk-1001", "acme", "inv-1", 100), // a part: 49.75 stays due
		pay("chk-1002", "globex", "inv-2", 120),
	}
	for run := 1; run <= 2; run++ {
		outcomes := map[billbridge.Outcome]int{}
		for _, r := range c.CreateCustomers(ctx, customers) {
			outcomes[r.Outcome]++
		}
		for _, r := range c.CreateInvoices(ctx, invoices) {
			outcomes[r.Outcome]++
		}
		for _, r := range c.CreateTransactions(ctx, payments) {
			if r.Err != nil {
				fmt.Println(r.Err)
			}
			outcomes[r.Outcome]++
		}
		fmt.Printf("run %d: %d created, %d unchanged\n", run, outcomes[billbridge.Created], outcomes[billbridge.Unchanged])
	}
	for inv, err := range c.ListInvoices(ctx, chargeover.InvoiceQuery{}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(*inv.ExternalKey, inv.Total, "paid", inv.Payments, "due", inv.Balance, *inv.InvoiceStatusStr)
	}
	// Output:
	// run 1: 6 created, 0 unchanged
	// run 2: 0 created, 6 unchanged
	// inv-1 149.75 paid 100.00 due 49.75 open-unpaid
	// inv-2 120.00 paid 120.00 due 0.00 closed-paid
}
