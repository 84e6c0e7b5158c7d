package tight_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
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

// TestRetryRules drives every fault through a real http.Client against the
// fake (which answers with Tight's own error bodies): two faults, then a
// normal answer. Upserts are retried through all of them; creates only
// through those Tight surely did not act on. The rest are settled by their
// create keys: looked up, found (Existing) or surely absent and sent again,
// never a duplicate; without create keys they end as ErrOutcomeUnknown
// after one attempt.
func TestRetryRules(t *testing.T) {
	cases := []struct {
		kind        fault.Kind
		createRetry bool // creates are retried through it
		acted       bool // the fake saved the items although the client saw a failure
	}{
		{fault.Status500, false, false},
		{fault.Status502, false, false},
		{fault.Status503, false, false},
		{fault.Status504, false, false},
		{fault.TooMany, true, false},
		{fault.TooManyAfter, true, false},
		{fault.DropBefore, false, false}, // the client wrote the request: it cannot know the fake did not act
		{fault.DropAfter, false, true},
		{fault.TruncatedJSON, false, true},
		{fault.HTMLErrorPage, false, false},
	}
	for _, tc := range cases {
		for _, mode := range []string{"upsert", "create", "create-without-keys"} {
			upsert, keys := mode == "upsert", mode != "create-without-keys"
			name := string(tc.kind) + "/" + mode
			t.Run(name, func(t *testing.T) {
				srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
					Sequence: []fault.Kind{tc.kind, tc.kind}, RetryAfter: time.Millisecond, Skip: isQuery}))
				c := newClient(t, srv)
				if !keys {
					c = newClient(t, srv, tight.WithoutCreateKeys())
				}
				items := newCustomers("r", 3)
				if upsert {
					items = upsertCustomers("r", 3)
				}
				res := c.SaveCustomers(context.Background(), items)
				checkOrdered(t, res, 3)
				names := nameCounts(srv)
				for i, r := range res {
					if names[*items[i].Name] > 1 {
						t.Fatalf("item %d saved %d times", i, names[*items[i].Name])
					}
					if upsert || tc.createRetry {
						if r.Err != nil || r.Attempts != 3 || names[*items[i].Name] != 1 {
							t.Fatalf("item %d: %+v (%v), saved %d", i, r, r.Err, names[*items[i].Name])
						}
						continue
					}
					if keys {
						// Looked up: existing when the fake had acted, else
						// sent again; stored once either way.
						if r.Err != nil || r.Existing != tc.acted || names[*items[i].Name] != 1 {
							t.Fatalf("item %d: %+v (%v), saved %d, want settled (existing %v)", i, r, r.Err, names[*items[i].Name], tc.acted)
						}
						continue
					}
					if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || r.Attempts != 1 {
						t.Fatalf("item %d: %+v (%v), want ErrOutcomeUnknown after 1 attempt", i, r, r.Err)
					}
					var ae *billbridge.APIError
					if !errors.As(r.Err, &ae) || ae.Retryable {
						t.Fatalf("item %d: %#v", i, r.Err)
					}
					if want := map[bool]int{true: 1, false: 0}[tc.acted]; names[*items[i].Name] != want {
						t.Fatalf("item %d saved %d times, want %d", i, names[*items[i].Name], want)
					}
				}
			})
		}
	}
}

// When retries run out, the last answer's error reaches the items, with
// Tight's error type and the attempts counted.
func TestRetriesExhausted(t *testing.T) {
	seq := make([]fault.Kind, 6)
	for i := range seq {
		seq[i] = fault.Status503
	}
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	for _, r := range c.SaveCustomers(context.Background(), upsertCustomers("x", 2)) {
		var ae *billbridge.APIError
		if !errors.As(r.Err, &ae) || ae.StatusCode != 503 || ae.Code != "UNKNOWN_ERROR" || !ae.Retryable || r.Attempts != 6 || r.Status != 503 {
			t.Fatalf("%+v (%#v)", r, r.Err)
		}
		if !strings.Contains(ae.Message, "unavailable") {
			t.Fatalf("message %q is not Tight's", ae.Message)
		}
	}
	if _, retries := c.Counts(); retries != 5 {
		t.Fatalf("Counts() retries = %d, want 5", retries)
	}
}

// A Retry-After is honoured but capped at MaxRetryAfter: the fake asks for
// 2 s, the client waits the 50 ms cap (read from the debug log rather than
// a wall-clock upper bound).
func TestRetryAfterCapped(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.TooManyAfter}, RetryAfter: 2 * time.Second, Skip: isQuery}))
	var logs logBuffer
	c := newClient(t, srv, option.WithLogger(debugLogger(&logs)))
	start := time.Now()
	res := c.SaveCustomers(context.Background(), newCustomers("ra", 1))
	if res[0].Err != nil || res[0].Attempts != 1+2 { // the key's lookup, the 429, the save
		t.Fatalf("%+v", res[0])
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("Retry-After was not honoured")
	}
	if !strings.Contains(logs.String(), `"wait":50000000`) || !strings.Contains(logs.String(), `"status":429`) {
		t.Fatalf("no capped wait in the log:\n%s", logs.String())
	}
}

// Tokens expiring mid-run: the transport fetches a new token once per 401
// EXPIRED_TOKEN and the run completes; the token endpoint is called a
// bounded number of times.
func TestTokenExpiryMidRun(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	const conc = 3
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		fastRetry(), option.WithRateLimit(0, 0), option.WithBatchSize(10), option.WithConcurrency(conc))
	if err != nil {
		t.Fatal(err)
	}
	items := newCustomers("exp", 300)
	var seq iter.Seq[tight.CustomerInput] = func(yield func(tight.CustomerInput) bool) {
		for i, it := range items {
			if i == 100 || i == 200 {
				srv.ExpireTokens()
			}
			if !yield(it) {
				return
			}
		}
	}
	n := 0
	for r := range c.SaveCustomersSeq(context.Background(), seq) {
		if r.Err != nil || r.Index != n {
			t.Fatalf("item %d: %+v (%v)", n, r, r.Err)
		}
		n++
	}
	if n != len(items) || len(srv.Customers()) != len(items) {
		t.Fatalf("%d results, %d customers, want %d", n, len(srv.Customers()), len(items))
	}
	expired := srv.Count("saveCustomers", 401)
	issued := srv.IssuedTokens()
	t.Logf("401 answers: %d, tokens issued: %d", expired, issued)
	if expired == 0 {
		t.Fatal("no request met an expired token: the test did not test expiry")
	}
	// One token at the start, then at most one per request that met the
	// expired token (at most conc in flight per expiry).
	if issued < 3 || issued > 1+2*conc {
		t.Fatalf("%d tokens issued, want between 3 and %d", issued, 1+2*conc)
	}
}

// Cancelling mid-batch still gives every item a result: done items keep
// theirs, unsent ones wrap billbridge.ErrNotSent, in-flight creates may be
// ErrOutcomeUnknown.
func TestCancelMidBatch(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Latency: 5 * time.Millisecond}))
	c := newClient(t, srv, option.WithBatchSize(10), option.WithConcurrency(2))
	items := newCustomers("cancel", 150)
	for i := 1; i < len(items); i += 2 {
		items[i].Id = flex.Ptr(fmt.Sprintf("cus_cancel_%d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var results []billbridge.Result[tight.Customer]
	for r := range c.SaveCustomersSeq(ctx, func(yield func(tight.CustomerInput) bool) {
		for _, it := range items {
			if !yield(it) {
				return
			}
		}
	}) {
		results = append(results, r)
		if len(results) == 30 {
			cancel()
		}
	}
	// The stream is not read on after the cancel: the items read get their
	// results, in order.
	if len(results) >= len(items) {
		t.Fatalf("%d results for %d items: the stream was read on after the cancel", len(results), len(items))
	}
	checkOrdered(t, results, len(results))
	held := map[string]bool{}
	for _, c := range srv.Customers() {
		if c.Name != nil {
			held[*c.Name] = true
		}
	}
	ok, notSent := 0, 0
	for i, r := range results {
		switch {
		case r.Err == nil:
			ok++
		case errors.Is(r.Err, billbridge.ErrNotSent):
			// Not sent means not acted on. It may still count attempts:
			// a keyed create's lookup is one of its own requests.
			notSent++
			if held[*items[i].Name] {
				t.Fatalf("item %d: not sent (%d attempts), yet the fake holds it: %v", i, r.Attempts, r.Err)
			}
		case errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
		default:
			t.Fatalf("item %d: unexpected error %v", i, r.Err)
		}
	}
	t.Logf("ok %d, not sent %d, other %d", ok, notSent, len(results)-ok-notSent)
	if ok < 30 {
		t.Fatalf("ok %d, not sent %d", ok, notSent)
	}
	if len(srv.Customers()) < ok {
		t.Fatalf("%d succeeded but the fake holds %d", ok, len(srv.Customers()))
	}
}
