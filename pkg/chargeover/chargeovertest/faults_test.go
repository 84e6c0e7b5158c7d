package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/fault"
)

// seq scripts the faults of the first requests.
func seq(kinds ...fault.Kind) Option { return WithFaults(fault.Config{Sequence: kinds}) }

func TestStatusFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind   fault.Kind
		status int
		msg    string
	}{
		{fault.Status500, 500, "internal error"},
		{fault.Status502, 502, "Bad gateway"},
		{fault.Status503, 503, "unavailable"},
		{fault.Status504, 504, "timeout"},
		{fault.TooMany, 429, "Rate limit"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv := NewTestServer(t, seq(tc.kind, tc.kind))
			c := client(t, srv)
			res := postCreate(t, c, cust("k", "Co"))
			if res.StatusCode() != tc.status {
				t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
			}
			// Decoded by hand: the same check for every status.
			var e chargeoverapi.ErrorResponse
			if err := decode(res.Body, &e); err != nil {
				t.Fatal(err)
			}
			wantError(t, &e, tc.status, tc.msg)
			if h := res.HTTPResponse.Header.Get("Retry-After"); h != "" {
				t.Errorf("Retry-After %q on %s", h, tc.kind)
			}
			if len(srv.Customers()) != 0 {
				t.Error("a status fault ran the handler")
			}
			// Bulk gets the same envelope.
			bulk, err := c.BulkWithResponse(context.Background(), chargeoverapi.BulkRequest{createSub(cust("k", "Co"))})
			if err != nil || bulk.StatusCode() != tc.status {
				t.Fatalf("bulk: %v %d", err, bulk.StatusCode())
			}
			waitRequests(t, srv, 2)
			if srv.Faults.Counts()[tc.kind] != 2 || srv.Count(OpCreateCustomer, tc.status) != 1 || srv.Count(OpBulk, tc.status) != 1 {
				t.Errorf("counts %v, log %+v", srv.Faults.Counts(), srv.Requests())
			}
			// Then the fake answers normally.
			if res := postCreate(t, c, cust("k", "Co")); res.StatusCode() != 201 {
				t.Errorf("after the fault: %d", res.StatusCode())
			}
		})
	}
}

func TestTooManyWithRetryAfter(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithFaults(fault.Config{Sequence: []fault.Kind{fault.TooManyAfter}, RetryAfter: 2 * time.Second}))
	res := postCreate(t, client(t, srv), cust("k", "Co"))
	if res.StatusCode() != 429 || res.HTTPResponse.Header.Get("Retry-After") != "2" {
		t.Fatalf("status %d Retry-After %q", res.StatusCode(), res.HTTPResponse.Header.Get("Retry-After"))
	}
	wantError(t, res.JSON429, 429, "Rate limit exceeded")
	if len(srv.Customers()) != 0 {
		t.Error("a 429 ran the handler")
	}
}

func TestRateLimitPerCredential(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithFaults(fault.Config{
		RateLimit:  &fault.Limit{Requests: 2, Per: time.Hour},
		RetryAfter: time.Second,
	}))
	c := client(t, srv)
	for i := range 2 {
		if res := postCreate(t, c, cust(fmt.Sprint("k", i), "Co")); res.StatusCode() != 201 {
			t.Fatalf("request %d: %d", i, res.StatusCode())
		}
	}
	res := postCreate(t, c, cust("k2", "Co"))
	if res.StatusCode() != 429 {
		t.Fatalf("third request: %d", res.StatusCode())
	}
	wantError(t, res.JSON429, 429, "Rate limit")
	if ra := res.HTTPResponse.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// Another credential has its own bucket (and is then refused as wrong).
	other := postCreate(t, clientAs(t, srv, "someone", "else"), cust("k3", "Co"))
	if other.StatusCode() != 401 {
		t.Errorf("other credential: %d", other.StatusCode())
	}
	if n := len(srv.Customers()); n != 2 || srv.Faults.Counts()[fault.RateLimited] != 1 {
		t.Errorf("%d customers, counts %v", n, srv.Faults.Counts())
	}
}

func TestDropBeforeLeavesStateUnchanged(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seq(fault.DropBefore, fault.DropBefore))
	c := client(t, srv)
	if _, err := c.CreateCustomerWithResponse(context.Background(), cust("k", "Co")); err == nil {
		t.Fatal("dropped create returned no error")
	}
	if _, err := c.BulkWithResponse(context.Background(), chargeoverapi.BulkRequest{createSub(cust("b", "Co"))}); err == nil {
		t.Fatal("dropped bulk returned no error")
	}
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("%d customers after drop-before", n)
	}
	log := waitRequests(t, srv, 2)
	if srv.Count(OpCreateCustomer, 0) != 1 || log[0].Fault != fault.DropBefore || log[1].Fault != fault.DropBefore {
		t.Errorf("log %+v", log)
	}
}

// TestDropAfterCreateSettledByKey is the facade's exactly-once scenario: the
// create's answer is lost, the customer exists, a read by external_key
// settles the outcome, and a blind retry is refused instead of duplicating.
func TestDropAfterCreateSettledByKey(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seq(fault.DropAfter))
	c := client(t, srv)
	if _, err := c.CreateCustomerWithResponse(context.Background(), cust("acme-1", "Acme")); err == nil {
		t.Fatal("dropped create returned no error")
	}
	if _, ok := srv.CustomerByExternalKey("acme-1"); !ok {
		t.Fatal("drop-after: the handler did not act")
	}
	got, err := c.GetCustomerByExternalKeyWithResponse(context.Background(), "acme-1")
	if err != nil || got.JSON200 == nil || got.JSON200.Response.CustomerId != "1000" {
		t.Fatalf("read back: %v %v", err, got)
	}
	retry := postCreate(t, c, cust("acme-1", "Acme"))
	wantError(t, retry.JSON400, 400, "acme-1")
	if n := srv.CountByExternalKey("acme-1"); n != 1 {
		t.Errorf("CountByExternalKey = %d", n)
	}
}

func TestDropAfterBulkKeepsCreates(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seq(fault.DropAfter))
	c := client(t, srv)
	batch := chargeoverapi.BulkRequest{createSub(cust("a", "A")), createSub(cust("b", "B")), createSub(cust("c", "C"))}
	if _, err := c.BulkWithResponse(context.Background(), batch); err == nil {
		t.Fatal("dropped bulk returned no error")
	}
	if n := len(srv.Customers()); n != 3 {
		t.Fatalf("%d customers after drop-after, want 3", n)
	}
	// Re-sending the batch fails per item instead of duplicating.
	res, err := c.BulkWithResponse(context.Background(), batch)
	if err != nil || res.JSON200 == nil {
		t.Fatalf("resend: %v", err)
	}
	for i, r := range res.JSON200.Response.Bulk {
		if r.Code != 400 {
			t.Errorf("resent item %d: %d", i, r.Code)
		}
	}
	for _, k := range []string{"a", "b", "c"} {
		if n := srv.CountByExternalKey(k); n != 1 {
			t.Errorf("%s: %d customers", k, n)
		}
	}
	// The dropped bulk is logged with status 0 (possibly after the resend).
	if r, ok := find(waitRequests(t, srv, 2), fault.DropAfter); !ok || !strings.EqualFold(r.Operation, OpBulk) || r.Status != 0 {
		t.Errorf("log %+v", srv.Requests())
	}
}

func TestSlowBody(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithFaults(fault.Config{Sequence: []fault.Kind{fault.Slow}, SlowBody: 30 * time.Millisecond}))
	start := time.Now()
	res := postCreate(t, client(t, srv), cust("k", "Co"))
	if res.JSON201 == nil || res.JSON201.Response.Id != "1000" {
		t.Fatalf("slow create: %d %s", res.StatusCode(), res.Body)
	}
	if d := time.Since(start); d < 25*time.Millisecond {
		t.Errorf("slow body took %s", d)
	}
}

func TestTruncatedJSON(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seq(fault.TruncatedJSON))
	c := client(t, srv)
	_, err := c.CreateCustomerWithResponse(context.Background(), cust("k", "Co"))
	if err == nil {
		t.Fatal("truncated JSON decoded")
	}
	// The handler acted: the customer exists.
	if srv.CountByExternalKey("k") != 1 {
		t.Error("truncated: customer missing")
	}
}

func TestHTMLErrorPage(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, seq(fault.HTMLErrorPage))
	res := postCreate(t, client(t, srv), cust("k", "Co"))
	if res.StatusCode() != 502 || !strings.HasPrefix(res.HTTPResponse.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(res.Body), "502 Bad Gateway") {
		t.Fatalf("%d %q %s", res.StatusCode(), res.HTTPResponse.Header.Get("Content-Type"), res.Body)
	}
	if len(srv.Customers()) != 0 {
		t.Error("an HTML error page ran the handler")
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithFaults(fault.Config{Latency: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}))
	start := time.Now()
	res, err := client(t, srv).GetCustomerByExternalKeyWithResponse(context.Background(), "k")
	if err != nil || res.StatusCode() != 404 {
		t.Fatalf("%v %d", err, res.StatusCode())
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("answered after %s, want at least 20ms", d)
	}
}

func decode(b []byte, v any) error {
	return jsonDecode(strings.NewReader(string(b)), v)
}

func jsonDecode(r io.Reader, v any) error {
	return json.NewDecoder(r).Decode(v)
}

var _ = http.StatusOK
