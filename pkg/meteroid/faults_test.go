package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestFaultMatrix pushes a batch through each fault at a 30 % rate (fixed
// seed) and checks that nothing is lost: one result per item, every valid
// item succeeded with its final values in the fake, only the genuine errors
// (an unknown customer, an invalid patch) failed. Duplicated PATCHes (the
// fake acted, the answer was lost) are harmless for an idempotent PATCH and
// only counted.
func TestFaultMatrix(t *testing.T) {
	const (
		n    = 50 // valid items, one per customer
		rate = 0.3
	)
	rows := []fault.Kind{fault.Status500, fault.Status502, fault.Status503, fault.Status504,
		fault.TooMany, fault.TooManyAfter, fault.RateLimited, fault.DropBefore, fault.DropAfter,
		fault.Slow, fault.TruncatedJSON, fault.HTMLErrorPage}
	// 30 % per attempt and 10 retries: an item fails all 11 attempts with
	// probability 0.3^11 ≈ 2e-6, so a lost item is a bug, not bad luck.
	policy := billbridge.RetryPolicy{MaxRetries: 10, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}
	t.Logf("| fault | items sent | succeeded | failed | duplicates (harmless) | lost | injected | retries |")
	t.Logf("|---|---|---|---|---|---|---|---|")
	for _, kind := range rows {
		t.Run(string(kind), func(t *testing.T) {
			cfg := fault.Config{Seed: 42, Rates: map[fault.Kind]float64{kind: rate}, SlowBody: 30 * time.Millisecond}
			if kind == fault.RateLimited {
				// A per-key bucket instead of a rate; its 429s carry a
				// Retry-After of at least 1 s, which the client caps.
				cfg = fault.Config{Seed: 42, RateLimit: &fault.Limit{Requests: 200, Per: time.Second, Burst: 4}, RetryAfter: time.Second}
			}
			if kind == fault.TooManyAfter {
				cfg.RetryAfter = 2 * time.Second
			}
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(n), meteroidtest.WithFaults(cfg))
			rec := &logRecorder{}
			c := newClient(t, srv, option.WithRetryPolicy(policy), option.WithConcurrency(8), option.WithLogger(slog.New(rec)))

			updates := make([]meteroid.CustomerUpdate, 0, n+2)
			for i := range n {
				addr := fmt.Sprintf("cus_%d", i)
				if i%2 == 1 {
					addr = fmt.Sprintf("alias-%d", i)
				}
				updates = append(updates, meteroid.CustomerUpdate{IDOrAlias: addr, Patch: finalPatch(i)})
			}
			updates = append(updates,
				meteroid.CustomerUpdate{IDOrAlias: "cus_missing", Patch: finalPatch(n)},                                              // genuine: 404
				meteroid.CustomerUpdate{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Currency: ptr(meteroid.Currency("EURO"))}}, // genuine: invalid
			)
			results := c.PatchCustomers(context.Background(), updates)

			if len(results) != len(updates) {
				t.Fatalf("%d results for %d items", len(results), len(updates))
			}
			succeeded, failed, lost := 0, 0, 0
			for i, r := range results {
				if r.Index != i {
					t.Fatalf("result %d carries index %d", i, r.Index)
				}
				if r.OK() {
					succeeded++
				} else {
					failed++
				}
				switch {
				case i < n:
					want := fmt.Sprintf("cus_%d", i)
					got, _ := srv.Customer(want)
					if !r.OK() || r.ID != want || !isFinal(got, i) || !isFinal(r.Value, i) {
						lost++
						t.Errorf("item %d: %+v (%v); fake has %+v", i, r, r.Err, got)
					}
				case i == n:
					if r.OK() || r.Status != 404 {
						t.Errorf("unknown customer: %+v (%v)", r, r.Err)
					}
				default:
					var ve *billbridge.ValidationError
					if !errors.As(r.Err, &ve) || ve.Field != "currency" {
						t.Errorf("invalid item: %v", r.Err)
					}
				}
			}
			if succeeded+failed != len(updates) || succeeded != n || failed != 2 {
				t.Errorf("succeeded %d + failed %d, want %d + 2", succeeded, failed, n)
			}
			if cs := srv.Customers(); len(cs) != n {
				t.Errorf("the fake holds %d customers, want %d", len(cs), n)
			}
			patches := 0
			for i := range n {
				patches += srv.Patches(fmt.Sprintf("cus_%d", i))
			}
			duplicates := patches - n
			if kind != fault.DropAfter && kind != fault.TruncatedJSON && duplicates != 0 {
				t.Errorf("%d duplicated PATCHes: only faults after the handler acted may duplicate", duplicates)
			}
			injected := srv.Faults.Counts()[kind]
			if injected == 0 {
				t.Errorf("no %s fault was injected: the row tests nothing", kind)
			}
			// Retry-After honoured and capped: every retry after a 429 that
			// carried one waited exactly the cap (the header said >= 1 s).
			if kind == fault.TooManyAfter || kind == fault.RateLimited {
				for _, w := range rec.retries() {
					if w.status == 429 && w.wait != policy.MaxRetryAfter {
						t.Errorf("retry after 429 waited %v, want the capped Retry-After %v", w.wait, policy.MaxRetryAfter)
					}
				}
			}
			_, retries := c.Counts()
			t.Logf("| %s | %d | %d | %d | %d | %d | %d | %d |", kind, len(updates), succeeded, failed, duplicates, lost, injected, retries)
		})
	}
}

func finalPatch(i int) meteroid.CustomerPatch {
	return meteroid.CustomerPatch{
		Name:            ptr(fmt.Sprintf("Final %d", i)),
		InvoicingEmails: &[]string{fmt.Sprintf("billing%d@example.com", i)},
		BillingAddress:  &meteroid.Address{Country: ptr("FR"), ZipCode: ptr(fmt.Sprintf("%05d", i))},
	}
}

func isFinal(c meteroid.Customer, i int) bool {
	return c.Name == fmt.Sprintf("Final %d", i) &&
		slices.Equal(c.InvoicingEmails, []string{fmt.Sprintf("billing%d@example.com", i)}) &&
		c.BillingAddress != nil && c.BillingAddress.ZipCode != nil && *c.BillingAddress.ZipCode == fmt.Sprintf("%05d", i) &&
		c.Currency == meteroid.CurrencyEUR
}
