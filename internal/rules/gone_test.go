package rules_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// afterActing are the faults that act and then lose the answer, on DELETEs
// only (the seeding saves go through untouched).
func afterActing(kind fault.Kind, seed uint64) fault.Config {
	return fault.Config{Seed: seed, Rates: map[fault.Kind]float64{kind: 0.4},
		Skip: func(r *http.Request) bool { return r.Method != http.MethodDelete }}
}

// patient retries enough for a 40 % fault rate to be carried through.
var patient = option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 10, MinBackoff: time.Millisecond,
	MaxBackoff: 2 * time.Millisecond, MaxRetryAfter: 10 * time.Millisecond})

// checkGone wants every delete a success, marked AlreadyGone exactly when
// an earlier attempt acted (so Attempts > 1), and some so marked.
func checkGone(t *testing.T, rs []billbridge.Result[string], want []string) {
	t.Helper()
	gone := 0
	for i, r := range rs {
		if r.Err != nil || r.Index != i || r.ID != want[i] {
			t.Fatalf("item %d: %+v (%v), want a success", i, r, r.Err)
		}
		if r.AlreadyGone {
			gone++
			if r.Attempts < 2 || r.Status != http.StatusNotFound {
				t.Errorf("item %d: %+v: already gone on its first attempt", i, r)
			}
		}
	}
	if gone == 0 {
		t.Errorf("no delete met a 404 after an attempt that acted: the test tests nothing")
	}
	t.Logf("%d of %d already gone", gone, len(rs))
}

// TestDeleteAfterActingIsAlreadyGone: Tight's deletes under faults that act
// and lose the answer (a dropped connection, a 500 after the handler ran)
// all succeed, those whose retry met the 404 marked AlreadyGone; the fake
// holds none of them; a 404 to a first attempt stays ErrNotFound.
func TestDeleteAfterActingIsAlreadyGone(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []fault.Kind{fault.DropAfter, fault.Status500After} {
		t.Run("tight customers/"+string(kind), func(t *testing.T) {
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(afterActing(kind, 3)))
			c, err := tight.New(fast(append(srv.ClientOptions(), option.WithConcurrency(4))...)...)
			if err != nil {
				t.Fatal(err)
			}
			var created []string
			for _, r := range c.SaveCustomers(ctx, tightCustomers(30, false)) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				created = append(created, r.ID)
			}
			checkGone(t, c.DeleteCustomers(ctx, created, patient), created)
			if n := len(srv.Customers()); n != 0 {
				t.Errorf("the fake still holds %d customers", n)
			}
		})
		t.Run("tight invoices/"+string(kind), func(t *testing.T) {
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(afterActing(kind, 5)))
			c, err := tight.New(fast(append(srv.ClientOptions(), option.WithConcurrency(4))...)...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: ptr("cus_gone"), Name: ptr("Gone")}); err != nil {
				t.Fatal(err)
			}
			items := make([]tight.InvoiceInput, 30)
			for i := range items {
				items[i] = tight.InvoiceInput{Id: ptr(fmt.Sprintf("inv_gone_%d", i)), Name: ptr("Consulting"),
					InvoiceStatus: ptr("OPEN"), CustomerId: ptr("cus_gone")}
			}
			var created []string
			for _, r := range c.SaveInvoices(ctx, items) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				created = append(created, r.ID)
			}
			checkGone(t, c.DeleteInvoices(ctx, created, patient), created)
			if n := len(srv.Invoices()); n != 0 {
				t.Errorf("the fake still holds %d invoices", n)
			}
		})
	}
	t.Run("tight first attempt 404", func(t *testing.T) {
		srv := tighttest.NewTestServer(t)
		c, err := tight.New(fast(srv.ClientOptions()...)...)
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range [][]billbridge.Result[string]{c.DeleteCustomers(ctx, []string{"cus_never"}), c.DeleteInvoices(ctx, []string{"inv_never"})} {
			if !errors.Is(rs[0].Err, billbridge.ErrNotFound) || rs[0].AlreadyGone || rs[0].Attempts != 1 {
				t.Errorf("%+v: want ErrNotFound", rs[0])
			}
		}
	})
}

// TestArchiveAfterActing: Meteroid's archive answers 204 to a customer
// archived already (archiving keeps the customer: GET still finds it), so
// a retry after an attempt that acted succeeds by itself and is never
// marked AlreadyGone; a 404 there means the customer never was, and stays
// ErrNotFound also on a retry.
func TestArchiveAfterActing(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []fault.Kind{fault.DropAfter, fault.Status500After} {
		t.Run(string(kind), func(t *testing.T) {
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(30), meteroidtest.WithFaults(afterActing(kind, 11)))
			c, err := meteroid.New(fast(append(srv.ClientOptions(), option.WithConcurrency(4))...)...)
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, cust := range srv.Customers() {
				all = append(all, cust.Id)
			}
			retried := 0
			for i, r := range c.ArchiveCustomers(ctx, all, patient) {
				if r.Err != nil || r.AlreadyGone || r.Status != http.StatusNoContent || !srv.Archived(all[i]) {
					t.Fatalf("item %d: %+v (%v), want archived, 204", i, r, r.Err)
				}
				if r.Attempts > 1 {
					retried++
				}
			}
			if retried == 0 {
				t.Errorf("no archive was retried: the test tests nothing")
			}
			// An alias that names no customer: 404 after attempts that
			// failed is still ErrNotFound.
			rs := c.ArchiveCustomers(ctx, []string{"never-1", "never-2", "never-3", "never-4", "never-5", "never-6"}, patient)
			for i, r := range rs {
				if !errors.Is(r.Err, billbridge.ErrNotFound) || r.AlreadyGone {
					t.Errorf("unknown %d: %+v (%v), want ErrNotFound", i, r, r.Err)
				}
			}
		})
	}
}
