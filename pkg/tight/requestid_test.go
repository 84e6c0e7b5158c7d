package tight_test

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
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

// Every result carries the request id of the answer that decided it:
// successes and per-item refusals of a 207 alike, the retried request's
// answer rather than the failed attempt's, and a DELETE's own answer.
func TestResultRequestID(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status503}}))
	c := newClient(t, srv, option.WithBatchSize(2), option.WithConcurrency(1))
	ctx := context.Background()

	items := upsertCustomers("rid", 5)
	items[3].Name = nil // refused by the server inside a 207
	res := c.SaveCustomers(ctx, items)
	checkOrdered(t, res, len(items))
	ids := requestIDs(srv.Requests(), "saveCustomers")
	// The first request got the injected 503 and was retried (an upsert).
	if len(ids) != 4 || ids[0] == "" {
		t.Fatalf("saveCustomers requests %v, want 4 with ids", ids)
	}
	for i, r := range res {
		want := ids[1+i/2]
		if r.RequestID != want {
			t.Errorf("item %d: RequestID %q, want %q (status %d, err %v)", i, r.RequestID, want, r.Status, r.Err)
		}
	}
	if res[3].Err == nil || res[3].Status != 400 {
		t.Errorf("item 3: %+v, want a per-item refusal", res[3])
	}

	del := c.DeleteCustomers(ctx, []string{res[0].ID, "cus_nobody"})
	dids := requestIDs(srv.Requests(), "deleteCustomer")
	if len(dids) != 2 {
		t.Fatalf("deleteCustomer requests %v", dids)
	}
	if del[0].Err != nil || del[0].RequestID != dids[0] {
		t.Errorf("delete: %+v, want RequestID %q", del[0], dids[0])
	}
	if del[1].Err == nil || del[1].RequestID != dids[1] {
		t.Errorf("delete of an unknown id: %+v, want RequestID %q", del[1], dids[1])
	}
}
