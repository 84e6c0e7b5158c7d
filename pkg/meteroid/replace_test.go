package meteroid_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

func replacement(name, alias string) meteroid.CustomerUpdateRequest {
	r := meteroid.CustomerUpdateRequest{Name: name, Currency: meteroid.CurrencyEUR, InvoicingEntityId: "ive_default",
		InvoicingEmails: []string{"ap@x.example"}, BillingAddress: &meteroid.Address{City: ptr("Paris"), Country: ptr("fr")}}
	if alias != "" {
		r.Alias = &alias
	}
	return r
}

func TestReplaceCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv, option.WithConcurrency(1))
	ctx := context.Background()
	before, _ := srv.Customer("cus_0")
	if before.Alias == nil {
		t.Fatal("seed without alias")
	}
	items := []meteroid.CustomerReplace{
		{IDOrAlias: "cus_0", Customer: replacement("Zero", "")},                                                           // clears the alias
		{IDOrAlias: "alias-1", Customer: replacement("One", "one")},                                                       // renames by alias: resolved to the id first
		{IDOrAlias: "nobody", Customer: replacement("Nobody", "")},                                                        // 404
		{IDOrAlias: "cus_2", Customer: meteroid.CustomerUpdateRequest{Name: "No entity", Currency: meteroid.CurrencyEUR}}, // invalid
		{IDOrAlias: "", Customer: replacement("Empty", "")},                                                               // invalid
	}
	rs := c.ReplaceCustomers(ctx, items)
	if len(rs) != len(items) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
	}
	got, _ := srv.Customer("cus_0")
	if r := rs[0]; !r.OK() || r.ID != "cus_0" || r.Status != 200 || r.Value.Name != "Zero" || got.Alias != nil || *got.BillingAddress.Country != "FR" {
		t.Errorf("item 0: %+v, stored %+v", r, got)
	}
	if r := rs[1]; !r.OK() || r.ID != "cus_1" || r.Attempts != 2 || *r.Value.Alias != "one" {
		t.Errorf("item 1: %+v (want the GET and the PUT)", r)
	}
	if !errors.Is(rs[2].Err, billbridge.ErrNotFound) || rs[2].Status != 404 {
		t.Errorf("item 2: %+v", rs[2])
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[3].Err, &ve) || ve.Index != 3 || ve.Field != "invoicing_entity_id" {
		t.Errorf("item 3: %v, want a validation error naming invoicing_entity_id", rs[3].Err)
	}
	if !errors.As(rs[4].Err, &ve) || ve.Index != 4 || ve.Field != "id_or_alias" {
		t.Errorf("item 4: %v", rs[4].Err)
	}
	// "nobody" is an alias the body does not keep: its GET answers 404 and
	// no PUT is sent; nothing is sent for the invalid items.
	if n := srv.Count("updateCustomer", 0); n != 2 {
		t.Errorf("%d PUTs, want 2", n)
	}
	if _, err := c.ReplaceCustomer(ctx, "nobody", replacement("x", "")); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("ReplaceCustomer(nobody) = %v", err)
	}
	var seq []billbridge.Result[meteroid.Customer]
	for r := range c.ReplaceCustomersSeq(ctx, slices.Values([]meteroid.CustomerReplace{items[0], {IDOrAlias: "one", Customer: replacement("One", "one")}})) {
		seq = append(seq, r)
	}
	if len(seq) != 2 || !seq[0].OK() || !seq[1].OK() || seq[1].Index != 1 {
		t.Errorf("Seq: %+v", seq)
	}
}

// TestReplaceRetried: a PUT is idempotent, so an attempt that acted and lost
// its answer is sent again, as one that surely did not act.
func TestReplaceRetried(t *testing.T) {
	for _, k := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(k), func(t *testing.T) {
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1),
				meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{k}}))
			c := newClient(t, srv)
			r := c.ReplaceCustomers(context.Background(), []meteroid.CustomerReplace{{IDOrAlias: "cus_0", Customer: replacement("New", "alias-0")}})[0]
			if !r.OK() || r.Status != 200 || r.Attempts != 2 || r.Value.Name != "New" {
				t.Errorf("%+v: want a success after 2 attempts", r)
			}
		})
	}
}
