package chargeovertest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// Testing your code's handling of faults: every request of this fake gets a
// 429, so the chargeover facade gives up after its retries and reports a
// *billbridge.APIError marked Retryable (ChargeOver did not act on it: worth
// sending again later).
func Example_faults() {
	srv := chargeovertest.NewServer(chargeovertest.WithFaults(fault.Config{
		Rates: map[fault.Kind]float64{fault.TooMany: 1},
	}))
	defer srv.Close()
	c, err := chargeover.New(append(srv.ClientOptions(),
		option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 2, Backoff: func(int) time.Duration { return time.Millisecond }}))...)
	if err != nil {
		panic(err)
	}
	key := "acme-0001"
	_, err = c.CreateCustomer(context.Background(), chargeover.CustomerCreate{Company: "Acme", ExternalKey: &key})
	var ae *billbridge.APIError
	fmt.Println(errors.As(err, &ae), ae.StatusCode, ae.Retryable, errors.Is(err, billbridge.ErrNotSent))
	// The key is read first (is the customer there already?): that read
	// got the three 429s, so the create was never sent.
	fmt.Println("stored:", len(srv.Customers()), "reads:", srv.Count(chargeovertest.OpGetCustomerByExternalKey, 429), "creates:", srv.Count(chargeovertest.OpCreateCustomer, 0))
	// Output:
	// true 429 true true
	// stored: 0 reads: 3 creates: 0
}
