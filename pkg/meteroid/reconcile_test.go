package meteroid_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// A re-run of 250 creates costs the customer pages (100 each), not a GET
// per alias; a repeated alias in one call is refused, naming the earlier
// item; a plan writes nothing.
func TestRerunAndPlan(t *testing.T) {
	srv := meteroidtest.NewTestServer(t)
	c := newClient(t, srv, option.WithConcurrency(8))
	ctx := context.Background()
	items := make([]meteroid.CustomerCreate, 250)
	for i := range items {
		items[i] = createItem(fmt.Sprintf("re-%03d", i), fmt.Sprintf("Customer %d", i))
	}
	c.CreateCustomers(ctx, items)
	before, _ := c.Counts()
	for i, r := range c.CreateCustomers(ctx, items) {
		if r.Err != nil || r.Outcome != billbridge.Unchanged {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	if after, _ := c.Counts(); after-before != 3 {
		t.Fatalf("%d requests for a re-run of 250, want 3 pages", after-before)
	}
	changed := append([]meteroid.CustomerCreate(nil), items[:3]...)
	changed[1].Name = "Renamed"
	changed = append(changed, items[0])
	rs := c.CreateCustomers(ctx, changed, option.WithMode(billbridge.ModePlan))
	if !rs[1].Planned || rs[1].Outcome != billbridge.Updated || rs[1].Changes[0].Field != "name" || rs[0].Outcome != billbridge.Unchanged {
		t.Fatalf("plan: %+v / %+v", rs[0], rs[1])
	}
	if rs[3].Err == nil {
		t.Fatalf("a repeated alias was not refused: %+v", rs[3])
	}
	if got, _ := srv.Customer("re-001"); got.Name != "Customer 1" {
		t.Fatalf("the plan wrote: %q", got.Name)
	}
}
