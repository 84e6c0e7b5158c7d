package tight_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

func template(name string) tight.ItemTemplateInput {
	return tight.ItemTemplateInput{Name: &name, Amount: flex.Ptr[int64](5000), Quantity: flex.Ptr(flex.Decimal("1.0")), Price: flex.Ptr(flex.Decimal("50.0"))}
}

// Templates are saved in input order (a refused item keeps its place),
// deleted once (a second delete is ErrNotFound), validated locally.
func TestItemTemplates(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	bad := template("too much custom data")
	data := tight.CustomData{}
	for i := range 51 {
		data[fmt.Sprintf("f%d", i)] = i
	}
	bad.CustomData = &data
	res := c.SaveItemTemplates(ctx, []tight.ItemTemplateInput{template("Standard Service Fee"), {}, bad, template("Rush fee")})
	checkOrdered(t, res, 4)
	var ae *billbridge.APIError
	var ve *billbridge.ValidationError
	if res[0].Err != nil || res[3].Err != nil || !errors.As(res[1].Err, &ae) || ae.Param != "name" || !errors.As(res[2].Err, &ve) || ve.Index != 2 {
		t.Fatalf("%+v", res)
	}
	if res[0].Value.GlAccount == nil || *res[0].Value.Price != "50.0" {
		t.Fatalf("saved %+v", res[0].Value)
	}
	// An update by id, through the Seq form.
	upd := template("Standard Service Fee (2026)")
	upd.Id = &res[0].ID
	for r := range c.SaveItemTemplatesSeq(ctx, slices.Values([]tight.ItemTemplateInput{upd})) {
		if r.Err != nil || r.ID != res[0].ID {
			t.Fatalf("update: %+v", r)
		}
	}
	if n := len(srv.ItemTemplates()); n != 2 {
		t.Fatalf("%d templates, want 2", n)
	}
	if err := c.DeleteItemTemplate(ctx, res[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteItemTemplate(ctx, res[0].ID); !errors.Is(err, billbridge.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := tight.ValidateItemTemplate(bad); !errors.As(err, &ve) {
		t.Fatalf("ValidateItemTemplate: %v", err)
	}
}

// Under each fault an upsert lands once; a create is repeated only when
// Tight surely did not act (429), and otherwise ends unknown: never a
// duplicate.
func TestItemTemplatesFaults(t *testing.T) {
	cases := []struct {
		kind    fault.Kind
		unknown bool // the create's outcome (no create key to settle it)
	}{
		{fault.DropAfter, true}, {fault.Status500After, true}, {fault.TruncatedJSON, true},
		{fault.Status503, true}, {fault.TooMany, false}, {fault.DropBefore, true},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			// The upsert meets the fault, then succeeds; the create meets it.
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{tc.kind, fault.None, tc.kind}}))
			c := newClient(t, srv)
			up := template("Upsert")
			up.Id = flex.Ptr("tili_up")
			r := c.SaveItemTemplates(context.Background(), []tight.ItemTemplateInput{up})[0]
			if r.Err != nil || r.Attempts != 2 {
				t.Fatalf("upsert: %+v (%v)", r, r.Err)
			}
			r = c.SaveItemTemplates(context.Background(), []tight.ItemTemplateInput{template("Create")})[0]
			if tc.unknown != errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || !tc.unknown && r.Err != nil {
				t.Fatalf("create: %+v (%v), unknown %v", r, r.Err, tc.unknown)
			}
			names := map[string]int{}
			for _, tp := range srv.ItemTemplates() {
				names[*tp.Name]++
			}
			if names["Upsert"] != 1 || names["Create"] > 1 {
				t.Fatalf("templates %v: a duplicate", names)
			}
		})
	}
}

// The setup reads the defaults, then what the account holds.
func TestGetInvoicingSetup(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status503}}))
	c := newClient(t, srv)
	s, err := c.GetInvoicingSetup(context.Background())
	if err != nil || s.SetupComplete == nil || bool(*s.SetupComplete) {
		t.Fatalf("default setup: %+v, %v", s, err)
	}
	srv.SetInvoicingSetup(tightapi.InvoicingSetup{BrandColor: flex.Ptr("4A90D9"), SetupComplete: flex.Ptr(flex.Bool(true))})
	s, err = c.GetInvoicingSetup(context.Background())
	if err != nil || *s.BrandColor != "4A90D9" || !bool(*s.SetupComplete) {
		t.Fatalf("setup: %+v, %v", s, err)
	}
}
