package meteroid_test

import (
	"testing"

	"github.com/billbridge/billbridge/pkg/meteroid"
)

// The former names keep compiling and mean what the new ones do.
func TestDeprecatedNamesAreTheNewOnes(t *testing.T) {
	var u meteroid.Update = meteroid.CustomerUpdate{IDOrAlias: "acme", Patch: meteroid.CustomerPatch{}}
	if err, old := meteroid.ValidateCustomerUpdate(u), meteroid.ValidateUpdate(u); (err == nil) != (old == nil) {
		t.Fatalf("ValidateCustomerUpdate = %v, ValidateUpdate = %v", err, old)
	}
	if err, old := meteroid.ValidateCustomerUpdate(meteroid.Update{}), meteroid.ValidateUpdate(meteroid.Update{}); err == nil || old == nil || err.Error() != old.Error() {
		t.Fatalf("empty update: ValidateCustomerUpdate = %v, ValidateUpdate = %v", err, old)
	}
	var c meteroid.CustomerCreate
	if err, old := meteroid.ValidateCustomer(c), meteroid.ValidateCreate(c); err == nil || old == nil || err.Error() != old.Error() {
		t.Fatalf("empty create: ValidateCustomer = %v, ValidateCreate = %v", err, old)
	}
}
