package chargeover

import (
	"encoding/json"
	"testing"

	"github.com/billbridge/billbridge/pkg/flex"
)

// differs compares what was sent with what ChargeOver stores, normalised as
// it stores values.
func TestDiffers(t *testing.T) {
	email, key, yes := "AP@Example.com", "k", flex.Bool(true)
	sent := CustomerCreate{Company: " Acme ", ExternalKey: &key, SuperuserEmail: &email, NoTaxes: &yes, Tags: &[]string{"b", "a"}}
	var stored Customer
	if err := json.Unmarshal([]byte(`{"customer_id":7,"company":"Acme","external_key":"k","superuser_email":"ap@example.com","no_taxes":1,"tags":["a","b"]}`), &stored); err != nil {
		t.Fatal(err)
	}
	if f, a, b := differs(sent, stored); f != "" {
		t.Fatalf("equal data differs on %s (%q vs %q)", f, a, b)
	}
	other := "Acme Two"
	sent.BillCity = &other
	city := "Springfield"
	stored.BillCity = &city
	if f, _, _ := differs(sent, stored); f != "bill_city" {
		t.Fatalf("differs = %q, want bill_city", f)
	}
}
