package exactlyonce_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// faults is the demo's mix (503s, 429s with Retry-After, connections dropped
// after the server acted) plus 500s after the server acted and cut bodies,
// 3 % each: the answers a client cannot tell from "not done".
var faults = fault.Config{
	Seed:       42,
	RetryAfter: 10 * time.Millisecond,
	Rates: map[fault.Kind]float64{
		fault.Status503:      0.05,
		fault.TooManyAfter:   0.03,
		fault.DropAfter:      0.01,
		fault.Status500After: 0.03,
		fault.TruncatedJSON:  0.03,
	},
}

var retries = option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 8, MinBackoff: time.Millisecond,
	MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond})

// tally counts a push's results against the fake's state: unknown (outcome
// unknown), lost (a success the fake does not hold), duplicated (an item
// the fake holds more than once) and failed for other reasons.
type tally struct{ items, ok, existing, unknown, lost, duplicated, failed int }

func (c tally) String() string {
	return fmt.Sprintf("%5d | %5d | %8d | %7d | %4d | %10d | %6d", c.items, c.ok, c.existing, c.unknown, c.lost, c.duplicated, c.failed)
}

func count[T any](rs []billbridge.Result[T], stored map[string]int, name func(i int) string, found func(id string) bool) tally {
	var c tally
	c.items = len(rs)
	for i, r := range rs {
		if stored[name(i)] > 1 {
			c.duplicated++
		}
		switch {
		case r.Err == nil:
			c.ok++
			if r.Existing {
				c.existing++
			}
			if !found(r.ID) {
				c.lost++
			}
		case errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
			c.unknown++
		default:
			c.failed++
		}
	}
	return c
}

func check(t *testing.T, what string, c tally) {
	t.Logf("%-28s | %s", what, c)
	if c.unknown != 0 || c.lost != 0 || c.duplicated != 0 || c.failed != 0 || c.ok != c.items {
		t.Errorf("%s: %+v, want every item ok, none unknown, lost or duplicated", what, c)
	}
}

func TestExactlyOnceUnderFaults(t *testing.T) {
	t.Logf("%-28s | items |    ok | existing | unknown | lost | duplicated | failed", "push")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("tight customers", func(t *testing.T) {
		srv := tighttest.NewTestServer(t, tighttest.WithFaults(faults))
		c, err := tight.New(append(srv.ClientOptions(), retries, option.WithBatchSize(20))...)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]tight.CustomerInput, 1000)
		for i := range items {
			name := fmt.Sprintf("Customer %04d", i)
			items[i].Name = &name
		}
		rs := c.SaveCustomers(ctx, items)
		stored := map[string]int{}
		for _, cu := range srv.Customers() {
			stored[*cu.Name]++
		}
		check(t, "1,000 Tight customers", count(rs, stored, func(i int) string { return *items[i].Name },
			func(id string) bool { _, ok := srv.Customer(id); return ok }))
	})
	t.Run("tight invoices", func(t *testing.T) {
		srv := tighttest.NewTestServer(t, tighttest.WithFaults(faults))
		c, err := tight.New(append(srv.ClientOptions(), retries, option.WithBatchSize(25))...)
		if err != nil {
			t.Fatal(err)
		}
		// The invoices' customer, saved first.
		cu, err := c.SaveCustomer(ctx, tight.CustomerInput{Name: ptr("Invoice Customer")})
		if err != nil {
			t.Fatal(err)
		}
		items := make([]tight.InvoiceInput, 300)
		for i := range items {
			items[i] = tight.InvoiceInput{Name: ptr(fmt.Sprintf("Invoice %04d", i)), CustomerId: &cu.Id}
		}
		rs := c.SaveInvoices(ctx, items)
		stored := map[string]int{}
		ids := map[string]bool{}
		for _, in := range srv.Invoices() {
			stored[*in.Name]++
			ids[in.Id] = true
		}
		check(t, "300 Tight invoices", count(rs, stored, func(i int) string { return *items[i].Name }, func(id string) bool { return ids[id] }))
	})
	t.Run("chargeover keyed customers", func(t *testing.T) {
		srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(faults))
		c, err := chargeover.New(append(srv.ClientOptions(), retries)...)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]chargeover.CustomerCreate, 1000)
		for i := range items {
			items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Company %04d", i), ExternalKey: ptr(fmt.Sprintf("key-%04d", i))}
		}
		rs := c.CreateCustomers(ctx, items)
		stored := map[string]int{}
		ids := map[string]bool{}
		for _, cu := range srv.Customers() {
			stored[*cu.Company]++
			ids[cu.CustomerId.String()] = true
		}
		check(t, "1,000 keyed ChargeOver", count(rs, stored, func(i int) string { return items[i].Company }, func(id string) bool { return ids[id] }))
	})
}

func ptr[T any](v T) *T { return &v }
