package chargeover_test

import (
	"errors"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
)

func TestValidateCustomerUpdate(t *testing.T) {
	var ve *billbridge.ValidationError
	if err := chargeover.ValidateCustomerUpdate(chargeover.CustomerUpdate{}); !errors.As(err, &ve) || ve.Field != "customer_id" {
		t.Fatalf("ID 0: %v, want a ValidationError on customer_id", err)
	}
	if err := chargeover.ValidateCustomerUpdate(chargeover.CustomerUpdate{ID: 7}); !errors.As(err, &ve) {
		t.Fatalf("ID 7, no changes: %v, want a ValidationError (the spec asks for one field at least)", err)
	}
	company := "Acme"
	if err := chargeover.ValidateCustomerUpdate(chargeover.CustomerUpdate{ID: 7, Customer: chargeover.CustomerChanges{Company: &company}}); err != nil {
		t.Fatalf("ID 7, company: %v", err)
	}
}
