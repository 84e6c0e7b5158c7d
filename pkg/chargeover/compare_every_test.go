package chargeover

import (
	"testing"

	"github.com/billbridge/billbridge/internal/comparetest"
)

// Every field of the create and update types is compared with the customer
// read back, writeOnly fields of the spec aside.
func TestCompareEveryField(t *testing.T) {
	t.Run("create", func(t *testing.T) { comparetest.EveryField[CustomerCreate, Customer](t, customerComparer()) })
	t.Run("update", func(t *testing.T) { comparetest.EveryField[CustomerChanges, Customer](t, customerComparer()) })
}
