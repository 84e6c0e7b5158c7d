// Package chargeovertest runs an in-process fake of ChargeOver's REST API v3
// (the part billbridge uses: createCustomer, getCustomerByExternalKey and
// _bulk) for tests, in the style of net/http/httptest.
//
// The fake serves the generated strict server of specs/chargeover.yaml on a
// loopback port and keeps customers in memory with ChargeOver's semantics:
//
//   - HTTP Basic auth: Server.Username and Server.Password (generated unless
//     set); anything else gets ChargeOver's 401 envelope.
//   - POST /api/v3/customer creates a customer with an increasing integer id
//     (from 1000) and answers 201 with a Location header. company must be
//     non-empty; external_key is unique and never reusable, so a second
//     create with a used key gets a 400 envelope naming the key.
//   - GET /api/v3/customer/external_key:{key} reads a customer back (200) or
//     answers 404.
//   - POST /api/v3/_bulk runs up to 25 sub-requests (creates and reads by
//     key) in order, atomically with respect to other requests, and answers
//     200 with one {code, status, message, details, response} per
//     sub-request; more than 25 get a 400 envelope.
//   - Every error is the envelope {code, status: "Error", message, details:
//     {}, response: false}, injected status faults included.
//
// Every request is validated against the spec before the handler runs (an
// invalid one gets a 400 envelope naming the field), and NewTestServer also
// validates every response, failing the test on a mismatch. Faults
// (latency, 5xx, 429, rate limits, dropped connections, slow or broken
// bodies) are configured with WithFaults; see package fault.
//
// Typical use:
//
//	srv := chargeovertest.NewTestServer(t)
//	client, _ := chargeoverapi.NewClientWithResponses(srv.URL,
//		chargeoverapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
//			r.SetBasicAuth(srv.Username, srv.Password)
//			return nil
//		}))
//	// ... exercise the code under test, then inspect srv.Customers().
package chargeovertest
