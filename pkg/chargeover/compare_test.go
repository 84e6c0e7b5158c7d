package chargeover

import (
	"encoding/json"
	"testing"

	"github.com/billbridge/billbridge/pkg/flex"
)

// The comparison of what was sent with what ChargeOver stores, normalised
// as it stores values.
func TestCompare(t *testing.T) {
	differs := func(sent CustomerCreate, stored Customer) (string, string, string) {
		if ch := customerComparer().Diff(sent, stored); len(ch) > 0 {
			return ch[0].Field, ch[0].Stored, ch[0].Sent
		}
		return "", "", ""
	}
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
