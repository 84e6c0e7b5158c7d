package meteroidtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// Testing your code's handling of faults: the fake drops the connection of
// its first request after applying the PATCH. A PATCH is idempotent, so the
// meteroid facade sends it again and the item succeeds.
func Example_faults() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(1),
		meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropAfter}}))
	defer srv.Close()
	c, err := meteroid.New(append(srv.ClientOptions(),
		option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 3, Backoff: func(int) time.Duration { return time.Millisecond }}))...)
	if err != nil {
		panic(err)
	}
	name := "Acme GmbH"
	r := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: &name}}})[0]
	fmt.Println(r.ID, r.Value.Name, r.Err, r.Attempts)
	fmt.Println(srv.Faults.Counts()[fault.DropAfter], srv.Patches("cus_0"))
	// Output:
	// cus_0 Acme GmbH <nil> 2
	// 1 2
}
