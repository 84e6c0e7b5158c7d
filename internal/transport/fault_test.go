package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
)

// The transport against the fault injector the fakes use: every retryable
// fault is ridden out by a safe request; an unsafe one stops where the
// server may have acted.
func TestTransportAgainstFaultInjector(t *testing.T) {
	render := func(w http.ResponseWriter, r *http.Request, status int) { writeJSONError(w, status) }
	var calls atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1); writeOK(w) })

	in := fault.New(fault.Config{
		Sequence:   []fault.Kind{fault.Status503, fault.DropBefore, fault.TooManyAfter, fault.HTMLErrorPage, fault.TruncatedJSON, fault.Status504, fault.TooMany},
		RetryAfter: time.Second, // capped to 50ms by tinyPolicy
	}, render)
	srv := httptest.NewServer(in.Wrap(handler))
	defer srv.Close()
	// No keep-alive: net/http would itself resend a GET whose reused
	// connection was dropped, hiding an attempt from the trace.
	tr := &Transport{Base: &http.Transport{DisableKeepAlives: true}, Retry: tinyPolicy(7)}
	ctx, trace := WithTrace(context.Background())
	resp, body, err := get(t, &http.Client{Transport: tr}, ctx, srv.URL)
	if err != nil || resp.StatusCode != 200 || string(body) != `{"data":[{"id":"cus_1","name":"Ada"}]}` {
		t.Fatalf("%v %q %v", resp, body, err)
	}
	if trace.Attempts != 8 {
		t.Fatalf("trace %+v, want 8 attempts", *trace)
	}

	in = fault.New(fault.Config{Sequence: []fault.Kind{fault.TooMany, fault.DropAfter}}, render)
	srv2 := httptest.NewServer(in.Wrap(handler))
	defer srv2.Close()
	calls.Store(0)
	_, _, err = post(t, &http.Client{Transport: &Transport{Base: &http.Transport{}, Retry: tinyPolicy(5)}}, context.Background(), srv2.URL, `{"name":"Ada"}`)
	if !errors.Is(err, billbridge.ErrOutcomeUnknown) || calls.Load() != 1 {
		t.Fatalf("err = %v, handler ran %d times; want billbridge.ErrOutcomeUnknown after it acted once", err, calls.Load())
	}
}
