package chargeovertest

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/typefill"
)

// chargeOverValues are the fields the spec constrains; every other field
// gets a value by its type alone.
var chargeOverValues = map[string]any{
	"invoice_delivery": "print",
	"dunning_delivery": "print",
}

// TestEveryFieldRoundTrips creates a customer with every field of
// CustomerCreate set and updates it with every field of CustomerUpdate set
// (found by reflection on the generated types, so a field added to the spec
// is covered at once), and checks that each one is stored.
func TestEveryFieldRoundTrips(t *testing.T) {
	srv := NewTestServer(t)
	c := client(t, srv)
	var create chargeoverapi.CustomerCreate
	typefill.Fill(&create, chargeOverValues)
	if r, err := c.CreateCustomerWithResponse(context.Background(), create); err != nil || r.StatusCode() != 201 {
		t.Fatalf("create: %v %s", err, r.Body)
	}
	all := srv.Customers()
	if len(all) != 1 {
		t.Fatalf("%d customers after the create, want 1", len(all))
	}
	for _, m := range typefill.Missing(create, all[0]) {
		t.Errorf("create: %s", m)
	}
	var update chargeoverapi.CustomerUpdate
	typefill.Fill(&update, chargeOverValues)
	*update.ExternalKey = "another-key"
	id := srv.Customers()[0].CustomerId
	n, _ := id.Int64()
	if _, err := c.UpdateCustomerWithResponse(context.Background(), n, update); err != nil {
		t.Fatal(err)
	}
	for _, m := range typefill.Missing(update, srv.Customers()[0]) {
		t.Errorf("update: %s", m)
	}
}
