package tight

import (
	"testing"

	"github.com/billbridge/billbridge/internal/comparetest"
	"github.com/billbridge/billbridge/pkg/option"
)

// Every field of the save types is compared with the entity read back,
// writeOnly fields of the spec aside.
func TestCompareEveryField(t *testing.T) {
	c, err := New(option.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("customers", func(t *testing.T) {
		comparetest.EveryField[CustomerInput, Customer](t, c.customers.keyedCreates().Compare)
	})
	t.Run("invoices", func(t *testing.T) {
		comparetest.EveryField[InvoiceInput, Invoice](t, c.invoices.keyedCreates().Compare)
	})
}
