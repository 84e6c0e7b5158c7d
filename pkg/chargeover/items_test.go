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

func item(key, name string) chargeover.ItemCreate {
	it := chargeover.ItemCreate{Name: name, ItemType: ptr(chargeover.ItemService),
		Pricemodel: &chargeover.PriceModelCreate{Pricemodel: "fla", Base: ptr(29.95)}}
	if key != "" {
		it.ExternalKey = &key
	}
	return it
}

func TestCreateItemsAndRerun(t *testing.T) {
	t.Parallel()
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	in := make([]chargeover.ItemCreate, 30)
	for i := range in {
		in[i] = item(fmt.Sprintf("item-%02d", i), fmt.Sprintf("Item %d", i))
	}
	res := c.CreateItems(ctx, in)
	for i, r := range res {
		if r.Index != i || r.Err != nil || r.Outcome != billbridge.Created {
			t.Fatalf("%d: %+v", i, r)
		}
	}
	for i, r := range c.CreateItems(ctx, in) {
		if r.Err != nil || r.Outcome != billbridge.Unchanged || r.Value != res[i].Value {
			t.Fatalf("rerun %d: %+v", i, r)
		}
	}
	changed := item("item-00", "Renamed")
	if r := c.CreateItems(ctx, []chargeover.ItemCreate{changed})[0]; !errors.Is(r.Err, billbridge.ErrConflict) || r.Changes[0].Field != "name" {
		t.Errorf("conflict: %+v", r)
	}
	n := 0
	for it, err := range c.ListItems(ctx, chargeover.ItemQuery{PageSize: 8}) {
		if err != nil || it.Pricemodel == nil || it.Pricemodel.Base.String() != "29.95" {
			t.Fatalf("%+v %v", it, err)
		}
		n++
	}
	got, err := c.GetItemByExternalKey(ctx, "item-03")
	if n != len(in) || err != nil || got.ItemId.String() != res[3].ID {
		t.Errorf("listed %d; by key %v %v", n, got, err)
	}
	if _, err := c.GetItem(ctx, 99999); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	var ve *billbridge.ValidationError
	if r := c.CreateItems(ctx, []chargeover.ItemCreate{{Name: ""}})[0]; !errors.As(r.Err, &ve) || ve.Field != "name" {
		t.Errorf("empty name: %v", r.Err)
	}
	// An invoice line names its item by external key; the read gives its id.
	srv.Seed(cust("acme", "Acme"))
	inv := invoice("inv-item", "acme")
	inv.LineItems[0].ItemId, inv.LineItems[0].ItemExternalKey = nil, ptr("item-03")
	id, err := c.CreateInvoice(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	read, err := c.GetInvoice(ctx, id)
	if err != nil || (*read.LineItems)[0].ItemId.String() != res[3].ID {
		t.Errorf("line item %v %v", read, err)
	}
	// And the same invoice again is unchanged: item_external_key is writeOnly.
	if r := c.CreateInvoices(ctx, []chargeover.InvoiceCreate{inv})[0]; r.Outcome != billbridge.Unchanged {
		t.Errorf("invoice rerun: %+v", r)
	}
}

func TestCreateItemsFaults(t *testing.T) {
	t.Parallel()
	for _, kind := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, kind}}))
			c := newClient(t, srv)
			res := c.CreateItems(context.Background(), []chargeover.ItemCreate{item("a", "A"), item("b", "B"), item("", "C")})
			per := map[string]int{}
			for _, it := range srv.Items() {
				per[*it.Name]++
			}
			if per["A"] != 1 || per["B"] != 1 || per["C"] > 1 {
				t.Fatalf("items per name: %v", per)
			}
			for i, r := range res[:2] {
				if r.Err != nil || r.Outcome != billbridge.Created {
					t.Errorf("item %d: %+v", i, r)
				}
			}
			if kind != fault.TooMany && !errors.Is(res[2].Err, billbridge.ErrOutcomeUnknown) {
				t.Errorf("keyless: %v", res[2].Err)
			}
		})
	}
}
