package meteroid_test

import (
	"context"
	"errors"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
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

// Every result carries the request id of the answer that decided it: the
// PATCH, the POST, the read-back that found a customer, or the error
// answer.
func TestResultRequestID(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2),
		meteroidtest.WithCustomers(meteroid.Customer{Id: "cus_old", Name: "Old", Alias: ptr("taken")}))
	c := newClient(t, srv, option.WithConcurrency(1))
	ctx := context.Background()

	patched := c.PatchCustomers(ctx, []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("Zero")}},
		{IDOrAlias: "cus_nobody", Patch: meteroid.CustomerPatch{Name: ptr("Nobody")}},
	})
	ids := requestIDs(srv.Requests(), "patchCustomer")
	if len(ids) != 2 || ids[0] == "" {
		t.Fatalf("patchCustomer requests %v", ids)
	}
	if patched[0].Err != nil || patched[0].RequestID != ids[0] {
		t.Errorf("patch: %+v, want RequestID %q", patched[0], ids[0])
	}
	if !errors.Is(patched[1].Err, billbridge.ErrNotFound) || patched[1].RequestID != ids[1] {
		t.Errorf("patch of an unknown customer: %+v, want RequestID %q", patched[1], ids[1])
	}

	// One create at a time: each looks its alias up (a GET), then sends.
	item := meteroid.CustomerCreate{Name: "Acme GmbH", Alias: ptr("acme-de"), Currency: meteroid.CurrencyEUR}
	created := c.CreateCustomers(ctx, []meteroid.CustomerCreate{item})[0]
	posts := requestIDs(srv.Requests(), "createCustomer")
	if len(posts) != 1 || created.Err != nil || created.RequestID != posts[0] {
		t.Errorf("create: %+v, want the POST's RequestID %v", created, posts)
	}
	// Again: the alias holds the item's data; the GET decided it.
	again := c.CreateCustomers(ctx, []meteroid.CustomerCreate{item})[0]
	gets := requestIDs(srv.Requests(), "getCustomer")
	if again.Err != nil || again.Outcome != billbridge.Unchanged || again.RequestID != gets[len(gets)-1] {
		t.Errorf("create found by alias: %+v, want the GET's RequestID %q", again, gets[len(gets)-1])
	}

	archived := c.ArchiveCustomers(ctx, []string{"cus_1"})
	aids := requestIDs(srv.Requests(), "archiveCustomer")
	if len(aids) != 1 || archived[0].Err != nil || archived[0].RequestID != aids[0] {
		t.Errorf("archive: %+v, want RequestID %v", archived[0], aids)
	}
}
