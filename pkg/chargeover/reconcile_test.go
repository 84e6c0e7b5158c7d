package chargeover_test

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/option"
)

// A re-run of 1,000 keyed creates looks the keys up by walking the
// customer pages (500 each), not one read per item (before: 1,040 requests
// for a re-run of 1,000), and changes nothing.
func TestRerunLooksUpInBulk(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	items := customers("rerun", 1000, false)
	c.CreateCustomers(ctx, items)
	before, _ := c.Counts()
	for i, r := range c.CreateCustomers(ctx, items) {
		if r.Err != nil || r.Outcome != billbridge.Unchanged {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	if after, _ := c.Counts(); after-before > 1000/20 || after-before != 3 {
		t.Fatalf("%d requests for a re-run of 1,000 items, want 3 pages", after-before)
	}
	// In upsert mode a changed item is a PUT of its fields.
	items[5].BillCity = ptr("Elsewhere")
	r := c.CreateCustomers(ctx, items[:10], option.WithMode(billbridge.ModeUpsert))[5]
	stored, _ := srv.CustomerByExternalKey(*items[5].ExternalKey)
	if r.Err != nil || r.Outcome != billbridge.Updated || r.Changes[0].Field != "bill_city" || *stored.BillCity != "Elsewhere" {
		t.Fatalf("upsert: %+v (%v), stored %v", r, r.Err, stored.BillCity)
	}
	if n := len(srv.Customers()); n != 1000 {
		t.Fatalf("the fake holds %d customers", n)
	}
}
