// Package chargeovertest runs an in-process fake of ChargeOver's REST API v3
// (the part billbridge uses: createCustomer, listCustomers, getCustomer,
// getCustomerByExternalKey, updateCustomer and _bulk) for tests, in the
// style of net/http/httptest.
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
//   - GET /api/v3/customer lists customers: where (every documented
//     operator: EQUALS, NOTEQUALS, GT, LT, GTE, LTE, CONTAINS, IS:NULL,
//     ISNOT:NULL; "\:" and "\," escapes; numbers compared as numbers,
//     CONTAINS ignoring case, a null field matching only IS:NULL), order
//     (field:ASC|DESC, comma-joined, ties by customer_id, nulls first),
//     offset, and limit (default 10, at most 500). An unknown field or a
//     malformed condition gets a 400 envelope.
//   - GET /api/v3/customer/{customer_id} reads a customer (200) or answers
//     404; PUT on the same path changes only the fields sent and answers 202
//     {id}. An update may not take an external_key another customer holds
//     or once held (400); the key it replaces stays used forever.
//   - POST /api/v3/_bulk runs up to 25 sub-requests (creates, reads by key
//     or id, queries, updates) in order, atomically with respect to other
//     requests, and answers 200 with one {code, status, message, details,
//     response} per sub-request; more than 25 get a 400 envelope.
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
