package rules_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// checkConflict wants r a conflict whose error and Status name want, the
// status of the answer that showed the conflict, and no other status.
func checkConflict[T any](t *testing.T, r billbridge.Result[T], want int) {
	t.Helper()
	var ae *billbridge.APIError
	if !errors.Is(r.Err, billbridge.ErrConflict) || !errors.As(r.Err, &ae) {
		t.Fatalf("%+v (%v), want a conflict", r, r.Err)
	}
	text := r.Err.Error()
	if ae.StatusCode != want || r.Status != want || !strings.Contains(text, fmt.Sprintf("HTTP %d", want)) || strings.Contains(text, "503") {
		t.Errorf("status %d, result status %d, %q; want HTTP %d only", ae.StatusCode, r.Status, text, want)
	}
}

// TestConflictNamesItsAnswer: a create whose key holds another entity is a
// conflict whose status is that of the answer that showed it: the key's
// refusal (ChargeOver 400, Meteroid 409) when the create got one, the
// read-back's 200 when the create got a 503 and the read-back found the
// other data; never the 503. Tight has no conflict error: its create keys
// are matched, not compared.
func TestConflictNamesItsAnswer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		faults []fault.Kind
		want   int
	}{
		{"refused", nil, 0},
		{"after a 503", []fault.Kind{fault.Status503}, http.StatusOK},
	} {
		t.Run("chargeover/"+tc.name, func(t *testing.T) {
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(fault.Config{Sequence: tc.faults}),
				chargeovertest.WithCustomers(chargeover.CustomerCreate{Company: "Someone Else", ExternalKey: ptr("taken-1")}))
			c, err := chargeover.New(fast(option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, srv.Password))...)
			if err != nil {
				t.Fatal(err)
			}
			rs := c.CreateCustomers(ctx, []chargeover.CustomerCreate{{Company: "Mine", ExternalKey: ptr("taken-1")}})
			want := tc.want
			if want == 0 {
				want = http.StatusBadRequest
			}
			checkConflict(t, rs[0], want)
		})
		t.Run("meteroid/"+tc.name, func(t *testing.T) {
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithFaults(fault.Config{Sequence: tc.faults}),
				meteroidtest.WithCustomers(meteroid.Customer{Id: "cus_taken1", Name: "Someone Else", Alias: ptr("taken-1"), Currency: meteroid.CurrencyEUR}))
			c, err := meteroid.New(fast(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))...)
			if err != nil {
				t.Fatal(err)
			}
			rs := c.CreateCustomers(ctx, []meteroid.CustomerCreate{{Name: "Mine", Alias: ptr("taken-1"), Currency: meteroid.CurrencyEUR}})
			want := tc.want
			if want == 0 {
				want = http.StatusConflict
			}
			checkConflict(t, rs[0], want)
		})
	}
}

// TestEnumReasonIsCut: an invalid Meteroid currency (159 allowed codes) is
// refused locally with the first few codes and their count, not all 159,
// in a create and in a patch.
func TestEnumReasonIsCut(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	c, err := meteroid.New(fast(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey))...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created := c.CreateCustomers(ctx, []meteroid.CustomerCreate{{Name: "Bad Currency", Currency: "XXX"}})
	cur := meteroid.Currency("XXX")
	patched := c.PatchCustomers(ctx, []meteroid.Update{{IDOrAlias: srv.Customers()[0].Id, Patch: meteroid.CustomerPatch{Currency: &cur}}})
	for _, err := range []error{created[0].Err, patched[0].Err, meteroid.ValidateUpdate(meteroid.Update{IDOrAlias: "x", Patch: meteroid.CustomerPatch{Currency: &cur}})} {
		var ve *billbridge.ValidationError
		if !errors.As(err, &ve) || ve.Field != "currency" {
			t.Fatalf("%v, want a validation error on currency", err)
		}
		if !strings.HasSuffix(ve.Reason, ", … (159 values)") || strings.Count(ve.Reason, `"`) != 10 || len(ve.Reason) > 120 {
			t.Errorf("reason %q (%d bytes): want 5 values and the count", ve.Reason, len(ve.Reason))
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	t.Logf("%v", created[0].Err)
}
