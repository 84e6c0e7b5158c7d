package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

func faultSeq(kinds ...fault.Kind) fault.Config { return fault.Config{Sequence: kinds} }

func latency(ms int) fault.Config { return fault.Config{Latency: time.Duration(ms) * time.Millisecond} }

func slogger(h slog.Handler) *slog.Logger { return slog.New(h) }

// Every retryable failure is retried end to end, through the real
// transport, against the fake's real error bodies: two failures, then
// success on the third attempt.
func TestRetryEachFault(t *testing.T) {
	cases := []struct {
		kind fault.Kind
		// acted: the fake's handler ran on the failed attempts too, so the
		// PATCH was applied more than once (harmless: same values).
		acted bool
	}{
		{fault.Status500, false},
		{fault.Status502, false},
		{fault.Status503, false},
		{fault.Status504, false},
		{fault.TooMany, false},
		{fault.TooManyAfter, false},
		{fault.DropBefore, false},
		{fault.DropAfter, true},
		{fault.TruncatedJSON, true},
		{fault.HTMLErrorPage, false},
		{fault.Slow, true},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			cfg := faultSeq(tc.kind, tc.kind)
			cfg.SlowBody = 20 * time.Millisecond
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithFaults(cfg))
			c := newClient(t, srv)
			r := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("retried")}}})[0]
			if r.Err != nil || r.Status != 200 || r.Value.Name != "retried" {
				t.Fatalf("result: %+v (%v)", r, r.Err)
			}
			wantAttempts, wantPatches := 3, 1
			if tc.kind == fault.Slow {
				wantAttempts = 1 // slow is not a failure: the body arrives within the attempt timeout
			}
			if tc.acted {
				wantPatches = wantAttempts
			}
			if r.Attempts != wantAttempts {
				t.Errorf("Attempts = %d, want %d", r.Attempts, wantAttempts)
			}
			if got := srv.Patches("cus_0"); got != wantPatches {
				t.Errorf("fake applied %d PATCHes, want %d", got, wantPatches)
			}
			if got, _ := srv.Customer("cus_0"); got.Name != "retried" {
				t.Errorf("final name %q", got.Name)
			}
		})
	}
}

// GET is retried the same way.
func TestRetryGet(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1),
		meteroidtest.WithFaults(faultSeq(fault.Status500, fault.DropAfter, fault.TooMany)))
	c := newClient(t, srv)
	if _, err := c.GetCustomer(context.Background(), "alias-0"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(opGet, 0); n != 4 {
		t.Errorf("%d GETs, want 4", n)
	}
}

// 408 is retryable too. The fault package has no 408, so a RoundTripper in
// front of the real one answers the first attempt with Meteroid's body.
func TestRetry408(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	first := true
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if first {
			first = false
			body := `{"code":"REQUEST_TIMEOUT","message":"Request timeout"}`
			return &http.Response{StatusCode: 408, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newClient(t, srv, option.WithHTTPClient(hc))
	r := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("x")}}})[0]
	if r.Err != nil || r.Attempts != 2 {
		t.Fatalf("408 then success: %+v", r)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// When retries run out, the last answer is mapped: status, Meteroid's code,
// retryable.
func TestRetriesExhausted(t *testing.T) {
	seq := make([]fault.Kind, 6)
	for i := range seq {
		seq[i] = fault.Status500
	}
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithFaults(faultSeq(seq...)))
	c := newClient(t, srv)
	r := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("x")}}})[0]
	var ae *billbridge.APIError
	if !errors.As(r.Err, &ae) || ae.StatusCode != 500 || ae.Code != meteroid.CodeInternalServerError || !ae.Retryable || r.Status != 500 || r.Attempts != 6 {
		t.Fatalf("exhausted: %+v (%#v)", r, r.Err)
	}
	if req, retries := c.Counts(); req != 6 || retries != 5 {
		t.Errorf("Counts = %d, %d; want 6, 5", req, retries)
	}

	// A proxy's HTML page keeps its status and says what came.
	seq = []fault.Kind{fault.HTMLErrorPage, fault.HTMLErrorPage}
	srv = meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithFaults(faultSeq(seq...)))
	c = newClient(t, srv, option.WithMaxRetries(1))
	_, err := c.PatchCustomer(context.Background(), "cus_0", meteroid.CustomerPatch{Name: ptr("x")})
	if !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Code != "" || !ae.Retryable || !strings.Contains(ae.Message, "text/html") {
		t.Fatalf("html: %#v", err)
	}

	// Dropped connections end as a retryable APIError without status.
	seq = []fault.Kind{fault.DropBefore, fault.DropBefore}
	srv = meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithFaults(faultSeq(seq...)))
	c = newClient(t, srv, option.WithMaxRetries(1))
	_, err = c.PatchCustomer(context.Background(), "cus_0", meteroid.CustomerPatch{Name: ptr("x")})
	if !errors.As(err, &ae) || ae.StatusCode != 0 || !ae.Retryable || ae.Err == nil {
		t.Fatalf("drop: %#v", err)
	}
}

// Retry-After is honoured (the wait is the server's, not the millisecond
// backoff) and capped (a server asking for an hour gets MaxRetryAfter).
func TestRetryAfterHonouredAndCapped(t *testing.T) {
	for _, after := range []time.Duration{time.Second, time.Hour} {
		t.Run(after.String(), func(t *testing.T) {
			cfg := faultSeq(fault.TooManyAfter)
			cfg.RetryAfter = after
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithFaults(cfg))
			rec := &logRecorder{}
			c := newClient(t, srv, option.WithLogger(slogger(rec)))
			start := time.Now()
			if _, err := c.PatchCustomer(context.Background(), "cus_0", meteroid.CustomerPatch{Name: ptr("x")}); err != nil {
				t.Fatal(err)
			}
			if waits := rec.waits(); len(waits) != 1 || waits[0] != fastRetry.MaxRetryAfter {
				t.Errorf("waits = %v, want [%v] (Retry-After %v capped)", waits, fastRetry.MaxRetryAfter, after)
			}
			if el := time.Since(start); el < fastRetry.MaxRetryAfter {
				t.Errorf("retried after %v: Retry-After not honoured (backoff alone is <= 5ms)", el)
			}
		})
	}
}

// The server's per-key rate limit (429 with Retry-After) is absorbed by
// retries; the client's own limiter paces requests.
func TestRateLimit(t *testing.T) {
	cfg := fault.Config{RateLimit: &fault.Limit{Requests: 100, Per: time.Second, Burst: 2}, RetryAfter: time.Second}
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(20), meteroidtest.WithFaults(cfg))
	c := newClient(t, srv, option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 20, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}))
	var updates []meteroid.CustomerUpdate
	for i := range 20 {
		updates = append(updates, meteroid.CustomerUpdate{IDOrAlias: fmt.Sprintf("cus_%d", i), Patch: meteroid.CustomerPatch{Name: ptr("limited")}})
	}
	for _, r := range c.PatchCustomers(context.Background(), updates) {
		if !r.OK() {
			t.Errorf("item %d: %v", r.Index, r.Err)
		}
	}
	if srv.Faults.Counts()[fault.RateLimited] == 0 {
		t.Error("the server never limited: the test tests nothing")
	}

	// With a client-side limit well under the server's, the server never
	// says 429 (the margin absorbs scheduling jitter between the limiter
	// and the wire).
	cfg.RateLimit = &fault.Limit{Requests: 100, Per: time.Second, Burst: 5}
	srv = meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(20), meteroidtest.WithFaults(cfg))
	c = newClient(t, srv, option.WithRateLimit(25, 1))
	for _, r := range c.PatchCustomers(context.Background(), updates) {
		if !r.OK() {
			t.Errorf("item %d: %v", r.Index, r.Err)
		}
	}
	if n := srv.Faults.Counts()[fault.RateLimited]; n != 0 {
		t.Errorf("server limited %d times despite the client limit", n)
	}
}
