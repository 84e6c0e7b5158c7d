package billbridge_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// Every batch call returns one Result per input item, in input order. A
// failed item's error tells what a re-send would do.
func ExampleResult() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(1)) // a fake Meteroid on loopback
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	name := "Acme GmbH"
	results := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: &name}},
		{IDOrAlias: "", Patch: meteroid.CustomerPatch{Name: &name}}, // refused locally: nothing sent for it
		{IDOrAlias: "cus_gone", Patch: meteroid.CustomerPatch{Name: &name}},
	})
	for _, r := range results {
		var ve *billbridge.ValidationError
		switch {
		case r.OK():
			fmt.Println(r.Index, "saved", r.ID, r.Status)
		case errors.As(r.Err, &ve):
			fmt.Println(r.Index, "invalid field", ve.Field)
		case errors.Is(r.Err, billbridge.ErrNotFound):
			fmt.Println(r.Index, "no such customer", r.Status)
		}
	}
	// Output:
	// 0 saved cus_0 200
	// 1 invalid field id_or_alias
	// 2 no such customer 404
}

// An *APIError is the provider's answer (or a request that got none);
// errors.Is against the sentinels says whether sending again is safe.
func ExampleAPIError() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(1))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	_, err = c.GetCustomer(context.Background(), "cus_nobody")
	var ae *billbridge.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.Provider, ae.Operation, ae.StatusCode, ae.Code)
	}
	fmt.Println(errors.Is(err, billbridge.ErrNotFound))
	// Output:
	// meteroid getCustomer 404 NOT_FOUND
	// true
}

// A create whose answer was lost may or may not exist now: it wraps
// ErrOutcomeUnknown and is never re-sent blindly. Here the fake drops the
// connection after it stored the customer; the ChargeOver facade reads the
// customer back by its external_key and reports it as Existing, so nothing
// is created twice.
func ExampleErrOutcomeUnknown() {
	srv := chargeovertest.NewServer(chargeovertest.WithFaults(fault.Config{
		// The fake's answers in turn: the lookup's and the create's (dropped)
		// and the read-back's of the first call; the second call's create
		// (no key: no lookup) is dropped too.
		Sequence: []fault.Kind{fault.None, fault.DropAfter, fault.None, fault.DropAfter},
	}))
	defer srv.Close()
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	keyed, unkeyed := "acme-1", chargeover.CustomerCreate{Company: "No Key Ltd"}
	r := c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{{Company: "Acme", ExternalKey: &keyed}})[0]
	fmt.Println(r.OK(), r.Existing, srv.CountByExternalKey("acme-1"))

	// Without a natural key nothing can settle it: the error says so.
	r = c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{unkeyed})[0]
	fmt.Println(errors.Is(r.Err, billbridge.ErrOutcomeUnknown))
	// Output:
	// true true 1
	// true
}

// ErrNotSent marks items the provider surely did not act on, such as those
// left when the context ends: they are safe to send again.
func ExampleErrNotSent() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(2))
	defer srv.Close()
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // before anything was sent
	name := "Renamed"
	for _, r := range c.PatchCustomers(ctx, []meteroid.CustomerUpdate{{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: &name}}}) {
		fmt.Println(r.Index, errors.Is(r.Err, billbridge.ErrNotSent), r.Attempts)
	}
	// Output:
	// 0 true 0
}

// Request options apply to one call on top of the client's: here a tracing
// header and a middleware around each attempt. The middleware never sees
// the credentials; the client adds them after it.
func ExampleRetryPolicy() {
	srv := tighttest.NewServer()
	defer srv.Close()
	c, err := tight.New(append(srv.ClientOptions(),
		option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 2}))...) // zero durations take the defaults
	if err != nil {
		panic(err)
	}
	attempts := 0
	count := func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		attempts++
		fmt.Println("auth header seen by the middleware:", r.Header.Get("Authorization") != "")
		return next(r)
	}
	name := "Traced Inc."
	// Two requests: the create key's lookup, then the save.
	_, err = c.SaveCustomer(context.Background(), tight.CustomerInput{Name: &name},
		option.WithHeader("X-Trace-Id", "trace-42"), option.WithMiddleware(count), option.WithMaxRetries(0))
	fmt.Println(err, attempts)
	// Output:
	// auth header seen by the middleware: false
	// auth header seen by the middleware: false
	// <nil> 2
}
