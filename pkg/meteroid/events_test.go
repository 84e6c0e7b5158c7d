package meteroid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// ev is an event of customer cus_<c> at now minus ago.
func ev(id string, c int, ago time.Duration) meteroid.Event {
	return meteroid.Event{EventId: id, CustomerId: fmt.Sprintf("cus_%d", c), Code: "api_calls",
		Timestamp: time.Now().Add(-ago).UTC().Format(time.RFC3339Nano)}
}

// ingestRequests returns the number of ingest requests the fake got.
func ingestRequests(srv *meteroidtest.Server) int { return srv.Count("ingestEvents", 0) }

func TestIngestEventsChunksByCount(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv, option.WithConcurrency(1))
	var in []meteroid.Event
	for i := range 250 {
		in = append(in, ev(fmt.Sprintf("e%d", i), i%3, time.Minute))
	}
	rs := c.IngestEvents(context.Background(), in)
	if len(rs) != 250 {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if !r.OK() || r.Index != i || r.ID != in[i].EventId || r.Status != 200 {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	if n := ingestRequests(srv); n != 3 {
		t.Errorf("%d requests, want 3 (100, 100, 50)", n)
	}
	if n := srv.UniqueEvents(); n != 250 {
		t.Errorf("fake holds %d events, want 250", n)
	}
}

func TestIngestEventsChunksByBytes(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	c := newClient(t, srv, option.WithConcurrency(2))
	// 50 events of about 100 kB each: at most 9 fit under 1,000,000 bytes.
	big := strings.Repeat("x", 100_000)
	var in []meteroid.Event
	for i := range 50 {
		e := ev(fmt.Sprintf("big%d", i), 0, time.Minute)
		e.Properties = &map[string]string{"blob": big}
		in = append(in, e)
	}
	for i, r := range c.IngestEvents(context.Background(), in) {
		if !r.OK() {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}
	if n := ingestRequests(srv); n != 6 {
		t.Errorf("%d requests, want 6 (9 events each, 5 left)", n)
	}
	if srv.Count("ingestEvents", 413) != 0 {
		t.Error("a request went over the cap")
	}
	// One event over the cap alone is refused locally.
	e := ev("huge", 0, time.Minute)
	e.Properties = &map[string]string{"blob": strings.Repeat("y", meteroid.MaxIngestBytes)}
	var ve *billbridge.ValidationError
	if _, err := c.IngestEvent(context.Background(), e); !errors.As(err, &ve) || ve.Field != "properties" {
		t.Errorf("huge event: %v", err)
	}
}

func TestIngestEventsDerivedIDsStable(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv)
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	same := meteroid.Event{CustomerId: "cus_0", Code: "api_calls", Timestamp: at}
	other := meteroid.Event{CustomerId: "cus_1", Code: "api_calls", Timestamp: at}
	in := []meteroid.Event{same, other, same, same}
	run := func() []string {
		var got []string
		for _, r := range c.IngestEvents(context.Background(), in) {
			if !r.OK() {
				t.Fatalf("%+v", r)
			}
			got = append(got, r.ID)
		}
		return got
	}
	first, second := run(), run()
	if !slices.Equal(first, second) {
		t.Errorf("ids differ between runs: %v, %v", first, second)
	}
	if first[0] == first[2] || first[2] == first[3] || first[0] != meteroid.EventID(same, 0) || first[3] != meteroid.EventID(same, 2) {
		t.Errorf("ids %v: identical events must get distinct ids by occurrence", first)
	}
	if n := srv.UniqueEvents(); n != 4 {
		t.Errorf("fake holds %d events after two runs, want 4", n)
	}
}

func TestIngestEventsFailureMapping(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv)
	in := []meteroid.Event{ev("a", 0, time.Minute), ev("b", 0, time.Minute), ev("c", 1, time.Minute)}
	in[1].CustomerId = "nobody" // the server refuses it: an unknown customer
	rs := c.IngestEvents(context.Background(), in)
	if !rs[0].OK() || !rs[2].OK() {
		t.Errorf("valid events: %+v %+v", rs[0], rs[2])
	}
	var ae *billbridge.APIError
	if !errors.As(rs[1].Err, &ae) || ae.Code != meteroid.CodeEventRefused || ae.StatusCode != 422 || !strings.Contains(ae.Message, "nobody") || rs[1].ID != "b" {
		t.Errorf("refused event: %+v (%v)", rs[1], rs[1].Err)
	}
	if errors.Is(rs[1].Err, billbridge.ErrOutcomeUnknown) || errors.Is(rs[1].Err, billbridge.ErrNotSent) {
		t.Errorf("a refusal is definite: %v", rs[1].Err)
	}
	if n := srv.UniqueEvents(); n != 2 {
		t.Errorf("fake holds %d, want 2", n)
	}
}

func TestIngestEventsRepeats(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv, option.WithConcurrency(1))
	in := []meteroid.Event{ev("a", 0, time.Minute), ev("a", 1, time.Minute), ev("a", 0, 2*time.Minute), ev("b", 0, time.Minute)}
	rs := c.IngestEvents(context.Background(), in)
	if !rs[0].OK() || !rs[1].OK() || !rs[3].OK() {
		t.Errorf("results %+v", rs)
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[2].Err, &ve) || ve.Index != 2 || ve.Field != "event_id" || !strings.Contains(ve.Reason, "repeats item 0") {
		t.Errorf("repeat: %v", rs[2].Err)
	}
	// "a" for cus_0 and for cus_1 are two events, never in one request.
	if n := ingestRequests(srv); n != 2 {
		t.Errorf("%d requests, want 2 (an event_id once per request)", n)
	}
	if n := srv.UniqueEvents(); n != 3 {
		t.Errorf("fake holds %d, want 3", n)
	}
}

func TestIngestEventsLocalValidation(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	c := newClient(t, srv)
	long := strings.Repeat("é", meteroid.MaxEventIDLength+1)
	cases := []struct {
		field string
		edit  func(*meteroid.Event)
	}{
		{"event_id", func(e *meteroid.Event) { e.EventId = long }},
		{"customer_id", func(e *meteroid.Event) { e.CustomerId = "" }},
		{"code", func(e *meteroid.Event) { e.Code = "" }},
		{"code", func(e *meteroid.Event) { e.Code = strings.Repeat("c", 513) }},
		{"timestamp", func(e *meteroid.Event) { e.Timestamp = "" }},
		{"timestamp", func(e *meteroid.Event) { e.Timestamp = "yesterday" }},
		{"timestamp", func(e *meteroid.Event) { e.Timestamp = time.Now().Add(-25 * time.Hour).Format(time.RFC3339) }},
		{"timestamp", func(e *meteroid.Event) { e.Timestamp = time.Now().Add(2 * time.Hour).Format(time.RFC3339) }},
		{"properties", func(e *meteroid.Event) { e.Properties = &map[string]string{"": "x"} }},
		{"properties.k", func(e *meteroid.Event) { e.Properties = &map[string]string{"k": "\xff"} }},
	}
	var in []meteroid.Event
	for i, tc := range cases {
		e := ev(fmt.Sprint("v", i), 0, time.Minute)
		tc.edit(&e)
		in = append(in, e)
	}
	in = append(in, ev("ok", 0, time.Minute))
	rs := c.IngestEvents(context.Background(), in)
	for i, tc := range cases {
		var ve *billbridge.ValidationError
		if !errors.As(rs[i].Err, &ve) || ve.Index != i || ve.Field != tc.field {
			t.Errorf("case %d: %v, want a ValidationError on %s", i, rs[i].Err, tc.field)
		}
	}
	if !rs[len(cases)].OK() {
		t.Errorf("the valid event: %v", rs[len(cases)].Err)
	}
	if n := ingestRequests(srv); n != 1 {
		t.Errorf("%d requests, want 1 (the refused events are not sent)", n)
	}
	// WithBackfill lifts the past limit, locally and on the server.
	old := ev("old", 0, 72*time.Hour)
	if _, err := c.IngestEvent(context.Background(), old, meteroid.WithBackfill()); err != nil {
		t.Errorf("backfilled: %v", err)
	}
	if err := meteroid.ValidateEvent(old, time.Now(), false); err == nil {
		t.Error("ValidateEvent accepted an old event without backfill")
	}
}

// TestIngestEventsFaults: every fault, before or after the server acted,
// ends with the event ingested once and a success: the call is idempotent
// by (event_id, customer_id), so it is retried like a PUT.
func TestIngestEventsFaults(t *testing.T) {
	for _, k := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(k), func(t *testing.T) {
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2),
				meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{k, k}}))
			c := newClient(t, srv, option.WithConcurrency(1))
			var in []meteroid.Event
			for i := range 150 {
				in = append(in, ev(fmt.Sprint("f", i), i%2, time.Minute))
			}
			rs := c.IngestEvents(context.Background(), in)
			for i, r := range rs {
				if !r.OK() {
					t.Fatalf("item %d: %v", i, r.Err)
				}
				if errors.Is(r.Err, billbridge.ErrOutcomeUnknown) {
					t.Fatalf("item %d unknown", i)
				}
			}
			// A connection dropped before the handler may be counted or
			// not, as its bytes were written or not.
			if k != fault.DropBefore && rs[0].Attempts != 3 || rs[120].Attempts != 1 {
				t.Errorf("attempts %d and %d, want 3 (two faults) and 1", rs[0].Attempts, rs[120].Attempts)
			}
			if n := srv.UniqueEvents(); n != 150 {
				t.Errorf("fake holds %d, want 150", n)
			}
			if k.AfterActing() && srv.ReceivedEvents() <= 150 {
				t.Errorf("%s: the fake received %d events: the fault did not act first", k, srv.ReceivedEvents())
			}
		})
	}
}

func TestIngestEventsSeqAndUsage(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2),
		meteroidtest.WithMetrics(meteroidtest.Metric{ID: "bm_bytes", Name: "Bytes", Code: "bytes", Aggregation: "SUM", Property: "n"}))
	c := newClient(t, srv)
	seq := func(yield func(meteroid.Event) bool) {
		for i := range 30 {
			e := ev(fmt.Sprint("s", i), i%2, time.Minute)
			if i%3 == 0 {
				e.Code = "bytes"
				e.Properties = &map[string]string{"n": "2.5"}
			}
			if !yield(e) {
				return
			}
		}
	}
	n := 0
	for r := range c.IngestEventsSeq(context.Background(), seq) {
		if !r.OK() || r.Index != n {
			t.Fatalf("%+v", r)
		}
		n++
	}
	if n != 30 {
		t.Fatalf("%d results", n)
	}
	day := time.Now().UTC()
	q := meteroid.UsageQuery{Start: day.AddDate(0, 0, -1), End: day.AddDate(0, 0, 1)}
	sum, err := c.GetUsageSummary(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range sum.Usage {
		got[u.MetricCode] = u.TotalValue.String()
	}
	if got["api_calls"] != "20" || got["bytes"] != "25" {
		t.Errorf("summary %v, want api_calls 20, bytes 25 (10 × 2.5)", got)
	}
	cu, err := c.GetCustomerUsage(context.Background(), "alias-0", q)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range cu.Usage {
		if u.MetricCode == "api_calls" && u.TotalValue.String() != "10" {
			t.Errorf("cus_0 api_calls %s, want 10", u.TotalValue)
		}
	}
	if _, err := c.GetCustomerUsage(context.Background(), "nobody", q); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("unknown customer: %v", err)
	}
	if _, err := c.GetSubscriptionUsage(context.Background(), "sub_1", meteroid.UsageQuery{}); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("unknown subscription: %v", err)
	}
	var ve *billbridge.ValidationError
	if _, err := c.GetUsageSummary(context.Background(), meteroid.UsageQuery{}); !errors.As(err, &ve) {
		t.Errorf("no period: %v", err)
	}
}

// TestIngestEventsHalvesOn413: a server whose cap is below ours answers
// 413; the request is split in halves until it takes them.
func TestIngestEventsHalvesOn413(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	var mu sync.Mutex
	sizes := []int{}
	small := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		mu.Lock()
		sizes = append(sizes, int(r.ContentLength))
		mu.Unlock()
		if r.ContentLength > 3000 { // a server with a 3,000-byte cap
			return &http.Response{StatusCode: http.StatusRequestEntityTooLarge, Header: http.Header{"Content-Type": {"text/plain"}},
				Body: io.NopCloser(strings.NewReader("length limit exceeded")), Request: r}, nil
		}
		return next(r)
	})
	c := newClient(t, srv, option.WithConcurrency(1))
	var in []meteroid.Event
	for i := range 40 {
		in = append(in, ev(fmt.Sprint("h", i), 0, time.Minute))
	}
	for i, r := range c.IngestEvents(context.Background(), in, small) {
		if !r.OK() {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}
	if n := srv.UniqueEvents(); n != 40 {
		t.Errorf("fake holds %d, want 40", n)
	}
	if len(sizes) < 3 {
		t.Errorf("request sizes %v: want the 40-event request refused and halved", sizes)
	}
}

// TestAppendEventIsMarshal: the events' JSON is written by hand; it must be
// what encoding/json writes.
func TestAppendEventIsMarshal(t *testing.T) {
	for _, e := range []meteroid.Event{
		{EventId: "e1", CustomerId: "cus_1", Code: "api_calls", Timestamp: "2026-01-01T00:00:00Z"},
		{EventId: "é\"\\<>&\n\u2028\x7f", CustomerId: "a b", Code: "c", Timestamp: "t", Properties: &map[string]string{"z": "1", "a": "x\ty", "m": ""}},
		{Properties: &map[string]string{}},
	} {
		want, _ := json.Marshal(e)
		if got := meteroid.AppendEvent(nil, e); string(got) != string(want) {
			t.Errorf("appendEvent %s, json.Marshal %s", got, want)
		}
	}
}

// TestUsageReadsRetry: a usage read is safe to repeat; faults before and
// after the server acted are retried to the answer.
func TestUsageReadsRetry(t *testing.T) {
	for _, k := range []fault.Kind{fault.DropAfter, fault.Status500After, fault.TruncatedJSON, fault.Status503, fault.TooMany, fault.DropBefore} {
		t.Run(string(k), func(t *testing.T) {
			srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1), meteroidtest.WithSubscriptions(map[string]string{"sub_1": "cus_0"}),
				meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.None, k, fault.None, k}}))
			c := newClient(t, srv, option.WithConcurrency(1))
			if _, err := c.IngestEvent(context.Background(), ev("u1", 0, time.Minute)); err != nil {
				t.Fatal(err)
			}
			day := time.Now().UTC()
			u, err := c.GetCustomerUsage(context.Background(), "alias-0", meteroid.UsageQuery{Start: day.AddDate(0, 0, -1), End: day})
			if err != nil || len(u.Usage) != 1 || u.Usage[0].TotalValue.String() != "1" {
				t.Fatalf("customer usage: %+v %v", u, err)
			}
			s, err := c.GetSubscriptionUsage(context.Background(), "sub_1", meteroid.UsageQuery{})
			if err != nil || len(s.Usage) != 1 {
				t.Fatalf("subscription usage: %+v %v", s, err)
			}
		})
	}
}
