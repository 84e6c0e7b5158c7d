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
// conflict whose status is that of the answer that showed it: the lookup's
// 200 when the key was taken before the call; the key's refusal (ChargeOver
// 400, Meteroid 409) when it was taken between the lookup and the create;
// the read-back's 200 when the create got a 503 and the read-back found the
// other data; never the 503. Tight has no conflict on its create keys:
// they are content hashes.
func TestConflictNamesItsAnswer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		before  bool         // the key is taken before the call
		faults  []fault.Kind // the lookup's answer, then the create's
		refused bool
	}{
		{"found by the lookup", true, nil, false},
		{"refused", false, nil, true},
		{"after a 503", false, []fault.Kind{fault.None, fault.Status503}, false},
	} {
		// takeKey runs the other writer once, as the create is sent.
		takeKey := func(take func()) option.RequestOption {
			done := false
			return option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
				if r.Method == http.MethodPost && !done && !tc.before {
					done = true
					take()
				}
				return next(r)
			})
		}
		t.Run("chargeover/"+tc.name, func(t *testing.T) {
			other := chargeover.CustomerCreate{Company: "Someone Else", ExternalKey: ptr("taken-1")}
			opts := []chargeovertest.Option{chargeovertest.WithFaults(fault.Config{Sequence: tc.faults})}
			if tc.before {
				opts = append(opts, chargeovertest.WithCustomers(other))
			}
			srv := chargeovertest.NewTestServer(t, opts...)
			c, err := chargeover.New(fast(srv.ClientOptions()...)...)
			if err != nil {
				t.Fatal(err)
			}
			rs := c.CreateCustomers(ctx, []chargeover.CustomerCreate{{Company: "Mine", ExternalKey: ptr("taken-1")}},
				takeKey(func() { srv.Seed(other) }))
			want := http.StatusOK
			if tc.refused {
				want = http.StatusBadRequest
			}
			checkConflict(t, rs[0], want)
		})
		t.Run("meteroid/"+tc.name, func(t *testing.T) {
			other := meteroid.Customer{Id: "cus_taken1", Name: "Someone Else", Alias: ptr("taken-1"), Currency: meteroid.CurrencyEUR}
			seq := tc.faults
			if len(seq) > 0 { // the other writer's POST comes between the lookup and the create
				seq = append([]fault.Kind{seq[0], fault.None}, seq[1:]...)
			}
			opts := []meteroidtest.Option{meteroidtest.WithFaults(fault.Config{Sequence: seq})}
			if tc.before {
				opts = append(opts, meteroidtest.WithCustomers(other))
			}
			srv := meteroidtest.NewTestServer(t, opts...)
			c, err := meteroid.New(fast(srv.ClientOptions()...)...)
			if err != nil {
				t.Fatal(err)
			}
			take := func() {
				// Another writer creates the alias through the API itself.
				body := strings.NewReader(`{"name":"Someone Else","alias":"taken-1","currency":"EUR","invoicing_emails":[],"custom_taxes":[]}`)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/customers", body)
				req.Header.Set("Authorization", "Bearer "+srv.APIKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			rs := c.CreateCustomers(ctx, []meteroid.CustomerCreate{{Name: "Mine", Alias: ptr("taken-1"), Currency: meteroid.CurrencyEUR}}, takeKey(take))
			want := http.StatusOK
			if tc.refused {
				want = http.StatusConflict
			}
			checkConflict(t, rs[0], want)
		})
	}
}
