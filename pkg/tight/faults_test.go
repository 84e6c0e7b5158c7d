package tight_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// TestFaultMatrix pushes 200 customers (half upserts, half creates,
// interleaved) through each fault at a 30 % rate and checks the invariants:
// one result per item in order, succeeded + failed = sent, no item lost (a
// success the fake does not hold), no duplicate in the fake, upserts always
// land, creates fail only as ErrOutcomeUnknown.
func TestFaultMatrix(t *testing.T) {
	const n, rate = 200, 0.3
	kinds := []fault.Kind{fault.Status500, fault.Status502, fault.Status503, fault.Status504, fault.TooMany,
		fault.TooManyAfter, fault.RateLimited, fault.DropBefore, fault.DropAfter, fault.Slow, fault.TruncatedJSON, fault.HTMLErrorPage}
	t.Logf("%-16s %5s %5s %6s %7s %5s %5s %8s %7s", "fault", "sent", "ok", "failed", "unknown", "dups", "lost", "requests", "retries")
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			cfg := fault.Config{Seed: 42, Rates: map[fault.Kind]float64{kind: rate},
				RetryAfter: 2 * time.Second, SlowBody: 20 * time.Millisecond}
			if kind == fault.RateLimited {
				// A server bucket far below the client's pace: only
				// Retry-After (capped at 50 ms) carries the client through.
				cfg.Rates = nil
				cfg.RateLimit = &fault.Limit{Requests: 40, Per: time.Second, Burst: 4}
			}
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(cfg))
			var logs logBuffer
			// Eight retries: at a 30 % fault rate one request in about
			// 1,400 meets six faults in a row, which the matrix (480
			// requests) would otherwise hit now and then; it tests the
			// labels, not the retry budget.
			opts := []option.Option{option.WithBatchSize(10), option.WithConcurrency(4), option.WithLogger(debugLogger(&logs)),
				option.WithMaxRetries(8)}
			if kind == fault.RateLimited {
				// Four requests compete for one token per 25 ms: a request
				// may lose several rounds in a row on a busy machine, so it
				// gets more retries than the 5 the other faults need.
				opts = append(opts, option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 30, MinBackoff: time.Millisecond,
					MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}))
			}
			c := newClient(t, srv, opts...)
			items := newCustomers("m", n)
			for i := 1; i < n; i += 2 {
				items[i].Id = flex.Ptr(fmt.Sprintf("cus_m_%d", i))
			}
			res := c.SaveCustomers(context.Background(), items)
			checkOrdered(t, res, n)

			names := nameCounts(srv)
			ok, failed, unknown, dups, lost := 0, 0, 0, 0, 0
			for i, r := range res {
				name := *items[i].Name
				if names[name] > 1 {
					dups++
				}
				if r.Err == nil {
					ok++
					if _, found := srv.Customer(r.ID); !found || names[name] == 0 {
						lost++
					}
					continue
				}
				failed++
				if errors.Is(r.Err, billbridge.ErrOutcomeUnknown) {
					unknown++
				}
				if items[i].Id != nil {
					t.Errorf("upsert %d failed: %v", i, r.Err)
				} else if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) && !errors.Is(r.Err, billbridge.ErrNotSent) {
					// Read back and found absent after the last send: not
					// sent, safe to send again.
					t.Errorf("create %d failed without ErrOutcomeUnknown or ErrNotSent: %v", i, r.Err)
				}
			}
			req, retries := c.Counts()
			t.Logf("%-16s %5d %5d %6d %7d %5d %5d %8d %7d", kind, n, ok, failed, unknown, dups, lost, req, retries)
			if ok+failed != n || dups != 0 || lost != 0 {
				t.Fatalf("sent %d, ok %d, failed %d, duplicates %d, lost %d", n, ok, failed, dups, lost)
			}
			if len(srv.Customers()) > n {
				t.Fatalf("the fake holds %d customers for %d items", len(srv.Customers()), n)
			}
			if kind == fault.TooManyAfter || kind == fault.RateLimited {
				// The fake asks for 2 s; the client waits the 50 ms cap.
				if !strings.Contains(logs.String(), `"wait":50000000`) {
					t.Fatal("Retry-After was not honoured up to its cap")
				}
			}
		})
	}
}

// Under connections dropped after Tight acted, creates never duplicate: the
// ones whose answer was lost end as ErrOutcomeUnknown after one attempt;
// upserts are retried and each lands exactly once.
func TestNoDuplicatesUnderDropAfter(t *testing.T) {
	for _, upsert := range []bool{false, true} {
		t.Run(map[bool]string{false: "create", true: "upsert"}[upsert], func(t *testing.T) {
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Seed: 7,
				Rates: map[fault.Kind]float64{fault.DropAfter: 0.4}}))
			c := newClient(t, srv, option.WithBatchSize(5), option.WithConcurrency(3))
			items := newCustomers("d", 100)
			if upsert {
				items = upsertCustomers("d", 100)
			}
			res := c.SaveCustomers(context.Background(), items)
			checkOrdered(t, res, len(items))
			names := nameCounts(srv)
			ok, unknown, retried := 0, 0, 0
			for i, r := range res {
				saved := names[*items[i].Name]
				if saved > 1 {
					t.Fatalf("item %d saved %d times", i, saved)
				}
				if r.Attempts > 1 {
					retried++
				}
				switch {
				case r.Err == nil:
					ok++
					if saved != 1 {
						t.Fatalf("item %d succeeded but is saved %d times", i, saved)
					}
				case !upsert && errors.Is(r.Err, billbridge.ErrOutcomeUnknown) && strings.Contains(r.Err.Error(), "back failed"):
					// The lookup met the faults too, after its retries: left
					// unknown, never guessed.
					unknown++
				default:
					t.Fatalf("item %d: %+v (%v)", i, r, r.Err)
				}
			}
			t.Logf("ok %d, unknown %d, retried %d, fake holds %d", ok, unknown, retried, len(srv.Customers()))
			if len(srv.Customers()) > len(items) {
				t.Fatalf("the fake holds %d customers for %d items", len(srv.Customers()), len(items))
			}
			if upsert && (ok != len(items) || retried == 0) {
				t.Fatalf("upserts: ok %d, retried %d", ok, retried)
			}
			if !upsert && (unknown > 5 || ok+unknown != len(items) || retried == 0 || len(srv.Customers()) != len(items)) {
				// Every dropped create was saved by the fake before the drop,
				// and found again by its create key unless the lookup itself
				// failed: none twice.
				t.Fatalf("creates: ok %d, unknown %d, retried %d, fake %d", ok, unknown, retried, len(srv.Customers()))
			}
		})
	}
}

// Credentials never appear in error texts, debug logs or printed settings.
func TestNoCredentialsInOutput(t *testing.T) {
	const secret = "s3cr3t-0f-the-client-4242"
	srv := tighttest.NewTestServer(t, tighttest.WithClientCredentials("bb-client", secret),
		tighttest.WithFaults(fault.Config{Seed: 3, Rates: map[fault.Kind]float64{
			fault.Status503: 0.15, fault.DropAfter: 0.1, fault.TooMany: 0.1, fault.HTMLErrorPage: 0.05}}))
	rec := newAuthRecorder()
	var logs logBuffer
	opts := []option.Option{option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, secret),
		option.WithHTTPClient(&http.Client{Transport: rec}), option.WithLogger(debugLogger(&logs)),
		fastRetry(), option.WithRateLimit(0, 0), option.WithBatchSize(5)}
	c, err := tight.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	items := append(newCustomers("sec", 30), upsertCustomers("sec", 30)...)
	items[4].Name = nil // one item-level error
	for i, r := range c.SaveCustomers(context.Background(), items) {
		if i == 20 {
			srv.ExpireTokens()
		}
		if r.Err != nil {
			fmt.Fprintf(&out, "%v %+v\n", r.Err, r.Err)
		}
	}
	srv.ExpireTokens()
	for _, r := range c.SaveCustomers(context.Background(), upsertCustomers("sec2", 10)) {
		if r.Err != nil {
			fmt.Fprintf(&out, "%v\n", r.Err)
		}
	}
	// A refused client secret and a refused static token.
	bad, err := tight.New(option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, secret+"-wrong"), fastRetry())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range bad.SaveCustomers(context.Background(), newCustomers("bad", 1)) {
		fmt.Fprintf(&out, "%v\n", r.Err)
	}
	badTok, _ := tight.New(option.WithBaseURL(srv.URL), option.WithToken("tok-leak-9876"), fastRetry())
	for _, r := range badTok.SaveCustomers(context.Background(), newCustomers("bad", 1)) {
		fmt.Fprintf(&out, "%v\n", r.Err)
	}
	fmt.Fprintf(&out, "%v %+v %#v %s\n", c, c, c, c)
	fmt.Fprintf(&out, "%v %+v\n", opts, opts)

	creds := append(rec.credentials(), secret, "tok-leak-9876")
	if len(rec.credentials()) < 3 { // Basic header plus at least two tokens
		t.Fatalf("recorded credentials %d: the test did not see the token refresh", len(rec.credentials()))
	}
	text := out.String() + logs.String()
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatal("no retry in the debug log: the test logged nothing worth checking")
	}
	for _, cred := range creds {
		if strings.Contains(text, cred) {
			t.Fatalf("credential %q leaked into:\n%s", cred, text)
		}
	}
}
