package chargeover_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
)

func keyed(n int, company string) []chargeover.CustomerCreate {
	out := make([]chargeover.CustomerCreate, n)
	for i := range out {
		email := fmt.Sprintf("AP%d@Example.com", i)
		out[i] = cust(fmt.Sprintf("k-%02d", i), fmt.Sprintf("%s %d", company, i))
		out[i].SuperuserEmail = &email
	}
	return out
}

// A found key is ours only if its data is ours: keys that exist with other
// data end as conflicts naming the customer and the field; a re-push of
// items that were all created ends as existing, creating nothing.
func TestKeysInUse(t *testing.T) {
	t.Run("other data: conflicts", func(t *testing.T) {
		srv := chargeovertest.NewTestServer(t, chargeovertest.WithCustomers(keyed(20, "Theirs")...))
		c := newClient(t, srv)
		for i, r := range c.CreateCustomers(context.Background(), keyed(20, "Ours")) {
			var ae *billbridge.APIError
			if !errors.Is(r.Err, billbridge.ErrConflict) || !errors.As(r.Err, &ae) || ae.Param != "company" || r.Existing || r.ID != "" {
				t.Errorf("item %d: %+v (%v), want a conflict on company", i, r, r.Err)
			}
		}
		if n := len(srv.Customers()); n != 20 {
			t.Errorf("the fake holds %d customers, want the 20 it had", n)
		}
	})
	t.Run("re-push: existing", func(t *testing.T) {
		srv := chargeovertest.NewTestServer(t)
		c := newClient(t, srv)
		first := c.CreateCustomers(context.Background(), keyed(20, "Ours"))
		again := c.CreateCustomers(context.Background(), keyed(20, "Ours"))
		for i := range again {
			if first[i].Err != nil || again[i].Err != nil || !again[i].Existing || again[i].ID != first[i].ID {
				t.Errorf("item %d: first %+v, again %+v (%v), want existing with the same id", i, first[i], again[i], again[i].Err)
			}
		}
		if n := len(srv.Customers()); n != 20 {
			t.Errorf("the fake holds %d customers, want 20", n)
		}
	})
	t.Run("lost answer, someone else's key: conflict, not success", func(t *testing.T) {
		// The bulk call is dropped after the fake answered it (each key was
		// refused as in use); the read-back finds someone else's customer.
		srv := chargeovertest.NewTestServer(t, chargeovertest.WithCustomers(keyed(3, "Theirs")...),
			chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropAfter}}))
		c := newClient(t, srv)
		for i, r := range c.CreateCustomers(context.Background(), keyed(3, "Ours")) {
			if !errors.Is(r.Err, billbridge.ErrConflict) || r.Existing {
				t.Errorf("item %d: %+v (%v), want a conflict", i, r, r.Err)
			}
		}
	})
}
