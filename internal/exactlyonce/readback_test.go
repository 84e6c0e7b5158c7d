package exactlyonce_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// existing wants every result a success found by its key.
func existing[T any](t *testing.T, what string, rs []billbridge.Result[T]) {
	t.Helper()
	for i, r := range rs {
		if r.Err != nil || !r.Existing || r.ID == "" {
			t.Errorf("%s item %d: %+v (%v), want existing", what, i, r, r.Err)
		}
	}
}

// Re-sending items that were created, with option.WithReadBackFirst (what a
// resumed push does for items in doubt), creates nothing: each is found by
// its natural key and reported as existing.
func TestReadBackFirst(t *testing.T) {
	ctx := context.Background()
	t.Run("tight", func(t *testing.T) {
		srv := tighttest.NewTestServer(t)
		c, err := tight.New(srv.ClientOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]tight.CustomerInput, 30)
		for i := range items {
			items[i].Name = ptr(fmt.Sprintf("Resumed %02d", i%10)) // three of each name
		}
		first := c.SaveCustomers(ctx, items)
		again := c.SaveCustomers(ctx, items, option.WithReadBackFirst())
		existing(t, "tight", again)
		for i := range again {
			if first[i].Err != nil || again[i].ID != first[i].ID {
				t.Errorf("item %d: first %s, again %s", i, first[i].ID, again[i].ID)
			}
		}
		if n := len(srv.Customers()); n != 30 {
			t.Errorf("the fake holds %d customers, want 30", n)
		}
	})
	t.Run("chargeover", func(t *testing.T) {
		srv := chargeovertest.NewTestServer(t)
		c, err := chargeover.New(srv.ClientOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]chargeover.CustomerCreate, 30)
		for i := range items {
			items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Co %02d", i), ExternalKey: ptr(fmt.Sprintf("rk-%02d", i))}
		}
		c.CreateCustomers(ctx, items)
		bulks := srv.Count(chargeovertest.OpBulk, 0)
		existing(t, "chargeover", c.CreateCustomers(ctx, items, option.WithReadBackFirst()))
		if n := srv.Count(chargeovertest.OpBulk, 0); n != bulks || len(srv.Customers()) != 30 {
			t.Errorf("%d more bulk calls, %d customers; want none and 30", n-bulks, len(srv.Customers()))
		}
	})
	t.Run("meteroid", func(t *testing.T) {
		srv := meteroidtest.NewTestServer(t)
		c, err := meteroid.New(srv.ClientOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]meteroid.CustomerCreate, 30)
		for i := range items {
			items[i] = meteroid.CustomerCreate{Name: fmt.Sprintf("M %02d", i), Alias: ptr(fmt.Sprintf("ma-%02d", i)), Currency: meteroid.CurrencyEUR}
		}
		c.CreateCustomers(ctx, items)
		created := srv.Created()
		existing(t, "meteroid", c.CreateCustomers(ctx, items, option.WithReadBackFirst()))
		if srv.Created() != created || srv.Count("createCustomer", 0) != 30 {
			t.Errorf("created %d more, %d create requests; want none and 30", srv.Created()-created, srv.Count("createCustomer", 0))
		}
	})
}
