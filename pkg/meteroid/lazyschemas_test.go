package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

// New decodes no request schema: a client that ingests events or reads
// never needs them, and decoding them took 4 ms of every push's start on
// one core. Were they unreadable, each customer write would fail alone
// with that error, nothing sent.
func TestNewLeavesSchemasForFirstUse(t *testing.T) {
	broken := errors.New("schemas unreadable")
	restore := meteroid.BreakValidators(broken)
	defer restore()
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv) // fails the test if New reads the schemas
	var in []meteroid.Event
	for i := range 3 {
		in = append(in, ev(fmt.Sprintf("e%d", i), i%2, time.Minute))
	}
	for _, r := range c.IngestEvents(context.Background(), in) {
		if !r.OK() {
			t.Fatalf("event %d: %v", r.Index, r.Err)
		}
	}
	rs := c.CreateCustomers(context.Background(), []meteroid.CustomerCreate{{Name: "A", Alias: ptr("a"), Currency: "EUR", BillingEmail: ptr("a@example.com")}})
	if len(rs) != 1 || !errors.Is(rs[0].Err, broken) {
		t.Fatalf("create with unreadable schemas: %+v", rs)
	}
	if n := srv.Count("createCustomer", 0); n != 0 {
		t.Errorf("%d creates sent with unreadable schemas", n)
	}
}
