package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

func ExampleClient_PatchCustomers() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(2)) // a fake Meteroid
	defer srv.Close()
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))
	if err != nil {
		panic(err)
	}
	name := "Acme GmbH"
	results := c.PatchCustomers(context.Background(), []meteroid.Update{
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
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))
	if err != nil {
		panic(err)
	}
	// A stream of any length: here three ids, read as they are sent.
	updates := func(yield func(meteroid.Update) bool) {
		for id := range slices.Values([]string{"cus_0", "cus_1", "cus_2"}) {
			vat := "FR" + id
			if !yield(meteroid.Update{IDOrAlias: id, Patch: meteroid.CustomerPatch{VatNumber: &vat}}) {
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
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))
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
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))
	if err != nil {
		panic(err)
	}
	cust, err := c.GetCustomer(context.Background(), "alias-0")
	fmt.Println(cust.Id, cust.Name, err)

	_, err = c.GetCustomer(context.Background(), "nobody")
	fmt.Println(err)
	// Output:
	// cus_0 Customer 0 <nil>
	// meteroid getCustomer: HTTP 404 NOT_FOUND: Customer not found: no customer has id or alias "nobody"
}
