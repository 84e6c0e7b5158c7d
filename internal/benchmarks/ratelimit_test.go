package benchmarks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// Benchmark 4: rate limits. A fake allows R requests per second per
// credential (token bucket with a burst of R/10, as real limiters allow some
// slack) and answers 429 with Retry-After (whole seconds, as HTTP has it)
// beyond that. Meteroid patches (one request per item) are pushed with the
// client-side limiter set to R, and with no client limiter (relying on 429 +
// Retry-After alone). Reported: sustained throughput as a share of R, and
// failed items (goal: 0).

const limitR, limitItems = 50, 500

func BenchmarkRateLimit(b *testing.B) {
	for _, mode := range []struct {
		name string
		opt  option.Option
	}{
		{"client_limit_R", option.WithRateLimit(limitR, 1)},
		{"no_client_limit", option.WithRateLimit(0, 0)},
	} {
		b.Run(mode.name, func(b *testing.B) {
			srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(limitItems), meteroidtest.WithFaults(fault.Config{
				RateLimit:  &fault.Limit{Requests: limitR, Per: time.Second, Burst: limitR / 10},
				RetryAfter: time.Second,
			}))
			defer srv.Close()
			c, err := meteroid.New(append(srv.ClientOptions(), option.WithConcurrency(8), mode.opt,
				option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 8, MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, MaxRetryAfter: 2 * time.Second}))...)
			if err != nil {
				b.Fatal(err)
			}
			customers := srv.Customers()
			items := make([]meteroid.CustomerUpdate, len(customers))
			for i, cu := range customers {
				items[i] = meteroid.CustomerUpdate{IDOrAlias: cu.Id, Patch: meteroid.CustomerPatch{Phone: ptr(fmt.Sprintf("+1 555 %04d", i))}}
			}
			for b.Loop() {
				start := time.Now()
				failed := 0
				for _, r := range c.PatchCustomers(context.Background(), items) {
					if r.Err != nil {
						failed++
					}
				}
				elapsed := time.Since(start)
				got := float64(len(items)) / elapsed.Seconds()
				requests, retries := c.Counts()
				b.ReportMetric(got/limitR, "share_of_R")
				b.ReportMetric(float64(failed), "failed_items")
				b.ReportMetric(float64(srv.Count("patchCustomer", 429)), "429s")
				b.Logf("%s: %d items in %s = %.1f/s (%.0f%% of R=%d), %d failed, %d requests, %d retries, %d answered 429",
					mode.name, len(items), elapsed.Round(time.Millisecond), got, 100*got/limitR, limitR, failed, requests, retries, srv.Count("patchCustomer", 429))
			}
		})
	}
}
