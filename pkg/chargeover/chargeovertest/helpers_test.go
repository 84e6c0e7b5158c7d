package chargeovertest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
)

// client returns a generated client that authenticates as user/pass over a
// real http.Client.
func clientAs(t *testing.T, srv *Server, user, pass string) *chargeoverapi.ClientWithResponses {
	t.Helper()
	c, err := chargeoverapi.NewClientWithResponses(srv.URL,
		chargeoverapi.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}),
		chargeoverapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if user != "" || pass != "" {
				r.SetBasicAuth(user, pass)
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func client(t *testing.T, srv *Server) *chargeoverapi.ClientWithResponses {
	return clientAs(t, srv, srv.Username, srv.Password)
}

func ptr[T any](v T) *T { return &v }

func cust(key, company string) chargeoverapi.CustomerCreate {
	c := chargeoverapi.CustomerCreate{Company: company}
	if key != "" {
		c.ExternalKey = &key
	}
	return c
}

// postCreate sends a create and fails the test on a transport error.
func postCreate(t *testing.T, c *chargeoverapi.ClientWithResponses, body chargeoverapi.CustomerCreate) *chargeoverapi.CreateCustomerResponse {
	t.Helper()
	res, err := c.CreateCustomerWithResponse(context.Background(), body)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return res
}

// postRaw sends a raw JSON create body.
func postRaw(t *testing.T, c *chargeoverapi.ClientWithResponses, body string) *chargeoverapi.CreateCustomerResponse {
	t.Helper()
	res, err := c.CreateCustomerWithBodyWithResponse(context.Background(), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return res
}

func createSub(c chargeoverapi.CustomerCreate) chargeoverapi.BulkSubRequest {
	b, _ := json.Marshal(c)
	raw := json.RawMessage(b)
	return chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkPOST, Uri: "/api/v3/customer", Payload: &raw}
}

func rawSub(method chargeoverapi.BulkSubRequestRequestMethod, uri, payload string) chargeoverapi.BulkSubRequest {
	s := chargeoverapi.BulkSubRequest{RequestMethod: method, Uri: uri}
	if payload != "" {
		raw := json.RawMessage(payload)
		s.Payload = &raw
	}
	return s
}

// wantError checks ChargeOver's error envelope.
func wantError(t *testing.T, e *chargeoverapi.ErrorResponse, status int, contains ...string) {
	t.Helper()
	if e == nil {
		t.Fatalf("no error envelope for status %d", status)
	}
	if int(e.Code) != status || e.Status != chargeoverapi.EnvelopeStatusError || e.Response != chargeoverapi.ErrorResponseFalse {
		t.Errorf("envelope = code %d status %q response %v, want %d Error false", e.Code, e.Status, e.Response, status)
	}
	if e.Details == nil || string(*e.Details) != "{}" {
		t.Errorf("details = %v, want {}", e.Details)
	}
	msg := ""
	if e.Message != nil {
		msg = *e.Message
	}
	for _, s := range contains {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not contain %q", msg, s)
		}
	}
}

// waitRequests waits (up to a second) until the frame has logged n requests
// and returns the log. The frame appends a request's record after the
// response is sent (for a dropped connection, after the hang-up), so a client
// can see its answer, or its error, just before the record exists.
func waitRequests(t *testing.T, srv *Server, n int) []fake.Request {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		log := srv.Requests()
		if len(log) >= n || time.Now().After(deadline) {
			if len(log) < n {
				t.Fatalf("%d requests logged, want %d", len(log), n)
			}
			return log
		}
		time.Sleep(time.Millisecond)
	}
}

// find returns the first record with fault kind k.
func find(log []fake.Request, k fault.Kind) (fake.Request, bool) {
	for _, r := range log {
		if r.Fault == k {
			return r, true
		}
	}
	return fake.Request{}, false
}
