package tight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// New decodes no request schema, as in the other facades: a client that
// only reads never needs them. Were they unreadable, each save would fail
// alone with that error, nothing sent, and reads would work.
func TestNewLeavesSchemasForFirstUse(t *testing.T) {
	broken := errors.New("schemas unreadable")
	restore := tight.BreakValidators(broken)
	defer restore()
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv) // fails the test if New reads the schemas
	for _, err := range c.ListCustomers(context.Background(), tight.CustomerQuery{}) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
	}
	for i, r := range c.SaveCustomers(context.Background(), newCustomers("lazy", 3)) {
		if !errors.Is(r.Err, broken) {
			t.Fatalf("item %d with unreadable schemas: %+v", i, r)
		}
	}
	if err := tight.ValidateCustomer(newCustomers("v", 1)[0]); !errors.Is(err, broken) {
		t.Errorf("ValidateCustomer: %v", err)
	}
	if n := srv.Count("saveCustomers", 0); n != 0 {
		t.Errorf("%d saves sent with unreadable schemas", n)
	}
}
