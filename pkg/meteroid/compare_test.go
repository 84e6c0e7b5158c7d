package meteroid

import (
	"testing"

	"github.com/billbridge/billbridge/internal/comparetest"
	"github.com/billbridge/billbridge/pkg/option"
)

// Every field of the create and patch types is compared with the customer
// read back, writeOnly fields of the spec aside.
func TestCompareEveryField(t *testing.T) {
	c, err := New(option.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	cmp := c.keyed().Compare
	t.Run("create", func(t *testing.T) { comparetest.EveryField[CustomerCreate, Customer](t, cmp) })
	t.Run("patch", func(t *testing.T) { comparetest.EveryField[CustomerPatch, Customer](t, cmp) })
}
