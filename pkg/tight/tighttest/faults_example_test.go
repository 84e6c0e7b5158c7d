package tighttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// Testing your code's handling of faults: the fake answers its first two
// requests with 503 and 429, and the tight facade retries through them (an
// item with an id is an upsert, safe to send again; a create would be
// resent after the 429 only). A short backoff keeps the test fast.
func Example_faults() {
	srv := tighttest.NewServer(tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.Status503, fault.TooMany},
	}))
	defer srv.Close()
	c, err := tight.New(append(srv.ClientOptions(),
		option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 3, Backoff: func(int) time.Duration { return time.Millisecond }}))...)
	if err != nil {
		panic(err)
	}
	r := c.SaveCustomers(context.Background(), []tight.CustomerInput{{Id: flex.Ptr("cus_42"), Name: flex.Ptr("Acme Corp")}})[0]
	fmt.Println(r.ID, r.Err, r.Attempts)
	counts := srv.Faults.Counts()
	fmt.Println(counts[fault.Status503], counts[fault.TooMany], srv.Count("saveCustomers", 200))
	// Output:
	// cus_42 <nil> 3
	// 1 1 1
}
