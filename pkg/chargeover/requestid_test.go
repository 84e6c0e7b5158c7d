package chargeover_test

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// requestIDs returns the ids the fake gave the requests of operation, in
// arrival order.
func requestIDs(log []fake.Request, operation string) []string {
	var ids []string
	for _, r := range log {
		if r.Operation == operation {
			ids = append(ids, r.RequestID)
		}
	}
	return ids
}

// Every result carries the request id of the _bulk answer that decided it,
// created, refused in its sub-request or updated alike.
func TestResultRequestID(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	c := newClient(t, srv, option.WithBatchSize(2), option.WithConcurrency(1))
	ctx := context.Background()

	// Without external keys: no lookups, only the creates' _bulk calls.
	in := []chargeover.CustomerCreate{cust("", "A"), cust("", "B"), cust("", "   "), cust("", "D"), cust("", "E")}
	res := c.CreateCustomers(ctx, in) // the blank company is refused in its sub-request
	ids := requestIDs(srv.Requests(), "bulk")
	if len(ids) != 3 || ids[0] == "" {
		t.Fatalf("bulk requests %v, want 3 with ids", ids)
	}
	for i, r := range res {
		if i == 2 {
			continue
		}
		if r.Err != nil || r.RequestID != ids[i/2] {
			t.Errorf("create %d: RequestID %q, want %q (%+v)", i, r.RequestID, ids[i/2], r)
		}
	}
	if res[2].Err == nil || res[2].RequestID != ids[1] {
		t.Errorf("create 2: %+v, want a refusal with a request id", res[2])
	}

	up := c.UpdateCustomers(ctx, []chargeover.CustomerUpdate{
		{ID: res[0].Value, Customer: chargeover.CustomerChanges{BillCity: ptr("Here")}},
		{ID: 424242, Customer: chargeover.CustomerChanges{BillCity: ptr("Nowhere")}},
	})
	ids = requestIDs(srv.Requests(), "bulk")
	last := ids[len(ids)-1]
	if up[0].Err != nil || up[0].RequestID != last {
		t.Errorf("update: %+v, want RequestID %q", up[0], last)
	}
	if up[1].Err == nil || up[1].RequestID != last {
		t.Errorf("update of an unknown customer: %+v, want RequestID %q", up[1], last)
	}
}

// A failed _bulk call's items carry the id of its error answer.
func TestResultRequestIDOfErrorAnswer(t *testing.T) {
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status500, fault.Status500}}))
	c := newClient(t, srv, option.WithRetryPolicy(fastRetries), option.WithMaxRetries(0))
	res := c.CreateCustomers(context.Background(), []chargeover.CustomerCreate{cust("", "No Key Ltd")})
	ids := requestIDs(srv.Requests(), "bulk")
	if len(ids) != 1 || res[0].Err == nil || res[0].Status != 500 || res[0].RequestID != ids[0] {
		t.Fatalf("result %+v, bulk requests %v: want the 500's request id", res[0], ids)
	}
}
