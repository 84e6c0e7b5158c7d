package tight_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// The same creates saved twice: the second call finds every create key and
// creates nothing (before: 4 customers for 2 items).
func TestSaveTwiceCreatesOnce(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	items := newCustomers("twice", 2)
	c.SaveCustomers(context.Background(), items)
	for i, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil || r.Outcome != billbridge.Unchanged || !r.Existing {
			t.Errorf("item %d: %+v", i, r)
		}
	}
	if n := len(srv.Customers()); n != 2 {
		t.Fatalf("the fake holds %d customers, want 2", n)
	}
}

// A create key found holding other data (the e-mail changed since): a
// conflict naming email, or an update in upsert mode; never the old
// customer passed off as the item.
func TestCreateKeyFoundWithOtherData(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	key := tight.WithCreateKey(func(int, tight.CustomerInput) string { return "crm-42" })
	first, err := c.SaveCustomer(ctx, tight.CustomerInput{Name: flex.Ptr("Acme"), Email: flex.Ptr("old@acme.example")}, key)
	if err != nil {
		t.Fatal(err)
	}
	edited := tight.CustomerInput{Name: flex.Ptr("Acme"), Email: flex.Ptr("new@acme.example")}
	r := c.SaveCustomers(ctx, []tight.CustomerInput{edited}, key)[0]
	var ae *billbridge.APIError
	if !errors.Is(r.Err, billbridge.ErrConflict) || !errors.As(r.Err, &ae) || ae.Param != "email" || r.Outcome != billbridge.Conflict {
		t.Fatalf("create mode: %+v (%v), want a conflict naming email", r, r.Err)
	}
	r = c.SaveCustomers(ctx, []tight.CustomerInput{edited}, key, option.WithMode(billbridge.ModeUpsert))[0]
	if r.Err != nil || r.Outcome != billbridge.Updated || r.ID != first.Id || len(r.Changes) != 1 || r.Changes[0].Field != "email" {
		t.Fatalf("upsert: %+v (%v)", r, r.Err)
	}
	if got, _ := srv.Customer(first.Id); *got.Email != "new@acme.example" || len(srv.Customers()) != 1 {
		t.Fatalf("the fake holds %v (%d customers)", got.Email, len(srv.Customers()))
	}
}

// Keyed by a field of the caller's (e-mail): an account that already holds
// customers is matched; a repeated key in one call is refused, naming the
// earlier item; the lookups cost the account's pages, not a request per
// item.
func TestKeyField(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	seeded := newCustomers("kf", 600)
	for i, r := range c.SaveCustomers(ctx, seeded, tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatalf("seed %d: %v", i, r.Err)
		}
	}
	before, _ := c.Counts()
	items := newCustomers("kf", 600)
	items[7].BusinessName = flex.Ptr("Changed")
	items = append(items, items[3])
	rs := c.SaveCustomers(ctx, items, tight.WithKeyField("email"), option.WithMode(billbridge.ModeUpsert))
	counts := map[billbridge.Outcome]int{}
	for _, r := range rs[:600] {
		counts[r.Outcome]++
	}
	if counts[billbridge.Unchanged] != 599 || counts[billbridge.Updated] != 1 || rs[7].Changes[0].Field != "businessName" {
		t.Fatalf("outcomes %v; item 7 %+v", counts, rs[7])
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[600].Err, &ve) || ve.Field != "email" {
		t.Fatalf("repeated key: %v", rs[600].Err)
	}
	// 600 existing customers: 3 pages of 250, and one save of the update.
	if after, _ := c.Counts(); after-before != 3+1 || len(srv.Customers()) != 600 {
		t.Fatalf("%d requests, %d customers; want 4 and 600", after-before, len(srv.Customers()))
	}
}

// A key field Tight cannot filter by is read back by walking every
// customer; after a lost answer that walk is the item's read-back, and its
// pages count in the item's Attempts.
func TestKeyFieldWalkCountsAttempts(t *testing.T) {
	var armed atomic.Bool
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Skip:     func(r *http.Request) bool { return !armed.Load() || strings.HasSuffix(r.URL.Path, "/query") },
		Sequence: []fault.Kind{fault.DropAfter}}))
	c := newClient(t, srv)
	seedCustomers := newCustomers("walk", 300)
	for _, r := range c.SaveCustomers(context.Background(), seedCustomers, tight.WithoutCreateKeys()) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	armed.Store(true)
	before := srv.Count("queryCustomers", 0)
	item := tight.CustomerInput{Name: flex.Ptr("Crm"), CustomData: &tight.CustomData{"crm_id": "c-1"}}
	r := c.SaveCustomers(context.Background(), []tight.CustomerInput{item}, tight.WithKeyField("customData.crm_id"))[0]
	pages := srv.Count("queryCustomers", 0) - before
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	// The first walk indexes the call (the call's); the second, after the
	// lost answer, reads the item back (2 pages of 250).
	if r.Attempts < 1+2 {
		t.Fatalf("%d attempts (%d query pages in all): the read-back's walk is not counted", r.Attempts, pages)
	}
}
