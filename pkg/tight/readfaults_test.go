package tight_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// The reads and deletes of payments and item templates under each fault:
// a read is repeated until it answers; a delete whose first attempt acted
// (its answer lost) ends as a success marked AlreadyGone, one that did not
// act is repeated and deletes. Nothing is lost or left behind.
func TestPaymentAndTemplateReadsDeletesUnderFaults(t *testing.T) {
	kinds := []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore}
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			acted := kind == fault.DropAfter || kind == fault.Status500After || kind == fault.TruncatedJSON
			var armed atomic.Bool
			// Once armed, the first attempt of each of the four requests
			// below meets the fault, its repeat runs clean.
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Skip: func(*http.Request) bool { return !armed.Load() },
				Sequence: []fault.Kind{kind, fault.None, kind, fault.None, kind, fault.None, kind, fault.None}}))
			c := newClient(t, srv)
			ctx := context.Background()
			pays := c.SavePayments(ctx, []tight.PaymentInput{payment("a", 1, ""), payment("b", 2, "")})
			tpl := c.SaveItemTemplates(ctx, []tight.ItemTemplateInput{template("t")})
			if pays[0].Err != nil || pays[1].Err != nil || tpl[0].Err != nil {
				t.Fatalf("seed: %+v %+v", pays, tpl)
			}
			armed.Store(true)

			p, err := c.GetPayment(ctx, pays[0].ID)
			if err != nil || p.Id != pays[0].ID {
				t.Fatalf("get: %v", err)
			}
			var listed []string
			for p, err := range c.ListPayments(ctx, tight.PaymentQuery{}) {
				if err != nil {
					t.Fatal(err)
				}
				listed = append(listed, p.Id)
			}
			if !slices.Equal(listed, []string{pays[0].ID, pays[1].ID}) {
				t.Fatalf("listed %v", listed)
			}
			var dels []billbridge.Result[string]
			for r := range c.DeletePaymentsSeq(ctx, slices.Values([]string{pays[0].ID})) {
				dels = append(dels, r)
			}
			checkOrdered(t, dels, 1)
			if dels[0].Err != nil || dels[0].AlreadyGone != acted || dels[0].Attempts != 2 {
				t.Fatalf("delete payment: %+v (%v), want AlreadyGone %v after 2 attempts", dels[0], dels[0].Err, acted)
			}
			r := c.DeleteItemTemplates(ctx, []string{tpl[0].ID})[0]
			if r.Err != nil || r.AlreadyGone != acted || r.Attempts != 2 {
				t.Fatalf("delete template: %+v (%v)", r, r.Err)
			}
			if err := c.DeletePayment(ctx, "ptxn_nobody"); !errors.Is(err, billbridge.ErrNotFound) {
				t.Fatalf("delete of an unknown payment: %v", err)
			}
			if len(srv.Payments()) != 1 || len(srv.ItemTemplates()) != 0 {
				t.Fatalf("left: %d payments, %d templates", len(srv.Payments()), len(srv.ItemTemplates()))
			}
		})
	}
	// Local validation: an empty id sends nothing.
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	var ve *billbridge.ValidationError
	if _, err := c.GetPayment(context.Background(), ""); !errors.As(err, &ve) || ve.Field != "id" {
		t.Fatalf("empty id: %v", err)
	}
	if r := c.DeletePayments(context.Background(), []string{"ptxn_1", ""}); !errors.As(r[1].Err, &ve) || ve.Index != 1 {
		t.Fatalf("empty id in a batch: %v", r[1].Err)
	}
}
