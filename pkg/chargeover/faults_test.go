package chargeover_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestFaultMatrix pushes 100 customers (half with external_key, half
// without) through each fault at a 30 % rate and checks that every item
// has exactly one result, that no customer exists twice, and that no item
// is lost: a success exists in the fake under the reported id, a definite
// failure does not exist, and only items without a key may end as
// ErrOutcomeUnknown.
func TestFaultMatrix(t *testing.T) {
	const n, rate = 100, 0.3
	kinds := []fault.Kind{fault.None, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
		fault.TooMany, fault.TooManyAfter, fault.RateLimited, fault.DropBefore, fault.DropAfter,
		fault.Slow, fault.TruncatedJSON, fault.HTMLErrorPage}
	var table []string
	for _, kind := range kinds {
		name := string(kind)
		if kind == fault.None {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			cfg := fault.Config{Seed: 7, SlowBody: 20 * time.Millisecond}
			switch kind {
			case fault.None:
			case fault.RateLimited:
				// 40 requests per second per credential, burst 3: the client
				// runs unlimited and meets 429s with Retry-After.
				cfg.RateLimit = &fault.Limit{Requests: 40, Per: time.Second, Burst: 3}
				cfg.RetryAfter = time.Second
			case fault.TooManyAfter:
				cfg.RetryAfter = time.Hour // capped by MaxRetryAfter (50 ms)
				cfg.Rates = map[fault.Kind]float64{kind: rate}
			default:
				cfg.Rates = map[fault.Kind]float64{kind: rate}
			}
			srv := chargeovertest.NewTestServer(t, chargeovertest.WithFaults(cfg))
			// One request at a time, so that the seeded draws meet the same
			// requests on every run and the table is reproducible.
			c := newClient(t, srv, option.WithBatchSize(5), option.WithConcurrency(1))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			in := customers("m", n, true)
			res := c.CreateCustomers(ctx, in)
			if len(res) != n {
				t.Fatalf("%d results for %d items", len(res), n)
			}
			counts := companyCounts(srv)
			var ok, failed, existing, unknownN, dups, lost int
			for i, r := range res {
				if r.Index != i {
					t.Fatalf("result %d has index %d", i, r.Index)
				}
				item := in[i]
				have := counts[item.Company]
				if have > 1 {
					dups++
					t.Errorf("item %d (%s) exists %d times", i, item.Company, have)
				}
				if item.ExternalKey != nil && srv.CountByExternalKey(*item.ExternalKey) > 1 {
					t.Errorf("key %s duplicated", *item.ExternalKey)
				}
				switch {
				case r.Err == nil:
					ok++
					if r.Existing {
						existing++
					}
					got, found := srv.CustomerByExternalKey(deref(item.ExternalKey))
					if have != 1 || item.ExternalKey != nil && (!found || got.CustomerId.String() != r.ID) {
						lost++
						t.Errorf("item %d reported created as %s, fake disagrees", i, r.ID)
					}
				case errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
					failed++
					unknownN++
					if item.ExternalKey != nil {
						lost++
						t.Errorf("keyed item %d left unknown: %v", i, r.Err)
					}
				default:
					failed++
					if have != 0 {
						lost++
						t.Errorf("item %d reported not created (%v) but exists", i, r.Err)
					}
				}
			}
			if ok+failed != n {
				t.Errorf("succeeded %d + failed %d != sent %d", ok, failed, n)
			}
			if kind == fault.None && ok != n {
				t.Errorf("no faults, yet %d failed", failed)
			}
			req, retries := c.Counts()
			row := fmt.Sprintf("| %-15s | %4d | %9d | %6d | %8d | %7d | %10d | %4d | %8d | %7d | %v",
				name, n, ok, failed, existing, unknownN, dups, lost, req, retries, srv.Faults.Counts())
			table = append(table, row)
		})
	}
	t.Log("| fault           | sent | succeeded | failed | existing | unknown | duplicates | lost | requests | retries | injected")
	for _, row := range table {
		t.Log(row)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
