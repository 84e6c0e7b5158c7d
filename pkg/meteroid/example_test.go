package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

func ExampleClient_PatchCustomers() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(2)) // a fake Meteroid
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	name := "Acme GmbH"
	results := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: &name}},
		{IDOrAlias: "alias-1", Patch: meteroid.CustomerPatch{InvoicingEmails: &[]string{"ap@acme.example"}}},
		{IDOrAlias: "cus_unknown", Patch: meteroid.CustomerPatch{Name: &name}},
	})
	for _, r := range results {
		var apiErr *billbridge.APIError
		switch {
		case r.OK():
			fmt.Println(r.Index, r.Status, r.ID, r.Value.Name, r.Value.InvoicingEmails)
		case errors.As(r.Err, &apiErr) && apiErr.Code == meteroid.CodeNotFound:
			fmt.Println(r.Index, r.Status, "no such customer")
		}
	}
	// Output:
	// 0 200 cus_0 Acme GmbH []
	// 1 200 cus_1 Customer 1 [ap@acme.example]
	// 2 404 no such customer
}

func ExampleClient_PatchCustomersSeq() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(3))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	// A stream of any length: here three ids, read as they are sent.
	updates := func(yield func(meteroid.CustomerUpdate) bool) {
		for id := range slices.Values([]string{"cus_0", "cus_1", "cus_2"}) {
			vat := "FR" + id
			if !yield(meteroid.CustomerUpdate{IDOrAlias: id, Patch: meteroid.CustomerPatch{VatNumber: &vat}}) {
				return
			}
		}
	}
	for r := range c.PatchCustomersSeq(context.Background(), updates) {
		fmt.Println(r.Index, r.ID, *r.Value.VatNumber, r.Err)
	}
	// Output:
	// 0 cus_0 FRcus_0 <nil>
	// 1 cus_1 FRcus_1 <nil>
	// 2 cus_2 FRcus_2 <nil>
}

func ExampleClient_PatchCustomer() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(1))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	usd := meteroid.CurrencyUSD
	cust, err := c.PatchCustomer(context.Background(), "alias-0", meteroid.CustomerPatch{Currency: &usd})
	fmt.Println(cust.Id, cust.Currency, err)

	bad := meteroid.Currency("DOLLAR")
	_, err = c.PatchCustomer(context.Background(), "alias-0", meteroid.CustomerPatch{Currency: &bad})
	var invalid *billbridge.ValidationError
	fmt.Println(errors.As(err, &invalid), invalid.Field)
	// Output:
	// cus_0 USD <nil>
	// true currency
}

func ExampleClient_GetCustomer() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(1))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	cust, err := c.GetCustomer(context.Background(), "alias-0")
	fmt.Println(cust.Id, cust.Name, err)

	_, err = c.GetCustomer(context.Background(), "nobody")
	fmt.Println(err)
	// Output:
	// cus_0 Customer 0 <nil>
	// meteroid getCustomer: HTTP 404 NOT_FOUND: Customer not found: no customer has id or alias "nobody" [request req_2]
}

func ExampleClient_ListCustomers() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(5))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	// Every page is fetched as the loop needs it: two customers a page here.
	for cust, err := range c.ListCustomers(context.Background(), meteroid.CustomerQuery{PageSize: 2}) {
		if err != nil {
			fmt.Println("stopped:", err)
			break
		}
		fmt.Println(cust.Id, cust.Name)
	}
	// Output:
	// cus_0 Customer 0
	// cus_1 Customer 1
	// cus_2 Customer 2
	// cus_3 Customer 3
	// cus_4 Customer 4
}

func ExampleClient_CreateCustomers() {
	srv := meteroidtest.NewServer(meteroidtest.WithCustomers(meteroid.Customer{Id: "cus_old", Name: "Old", Alias: ptrTo("taken")}))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	results := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{
		{Name: "Acme GmbH", Alias: ptrTo("acme-de"), Currency: meteroid.CurrencyEUR, InvoicingEmails: []string{"ap@acme.example"}},
		{Name: "Acme SARL", Alias: ptrTo("taken"), Currency: meteroid.CurrencyEUR},
		{Name: "No currency"},
	})
	for _, r := range results {
		var invalid *billbridge.ValidationError
		switch {
		case r.OK():
			got, _ := srv.Customer(r.ID)
			fmt.Println(r.Index, r.Status, got.Alias != nil && *got.Alias == "acme-de", r.Value.Name, r.Existing)
		case errors.Is(r.Err, billbridge.ErrConflict):
			fmt.Println(r.Index, r.Outcome, "alias in use; first difference:", r.Changes[0].Field)
		case errors.As(r.Err, &invalid):
			fmt.Println(r.Index, "not sent: invalid", invalid.Field)
		}
	}
	// Output:
	// 0 201 true Acme GmbH false
	// 1 conflict alias in use; first difference: name
	// 2 not sent: invalid currency
}

func ExampleClient_ArchiveCustomers() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(2))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	for _, r := range c.ArchiveCustomers(context.Background(), []string{"cus_0", "alias-1", "nobody"}) {
		fmt.Println(r.Index, r.Status, r.Value, errors.Is(r.Err, billbridge.ErrNotFound))
	}
	// Output:
	// 0 204 cus_0 false
	// 1 204 alias-1 false
	// 2 404  true
}

func ptrTo[T any](v T) *T { return &v }
