package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/flex"
)

func TestCreateAndReadBack(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)

	body := cust("acme-1", "Acme Widgets Inc.")
	body.SuperuserEmail = ptr("jane@acme.example")
	body.TermsId = ptr(int64(2))
	body.NoLatefees = ptr(flex.Bool(true))
	body.InvoiceDelivery = ptr(chargeoverapi.DeliveryMethodEmail)
	body.Tags = &[]string{"wholesale"}
	res := postCreate(t, c, body)
	if res.StatusCode() != http.StatusCreated || res.JSON201 == nil {
		t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
	}
	if got := res.JSON201; got.Code != 201 || got.Status != chargeoverapi.EnvelopeStatusOK || got.Response.Id != "1000" ||
		got.Message == nil || *got.Message != "" || got.Details == nil || string(*got.Details) != "{}" {
		t.Errorf("envelope = %s", res.Body)
	}
	if loc, want := res.HTTPResponse.Header.Get("Location"), srv.URL+"/api/v3/customer/1000"; loc != want {
		t.Errorf("Location = %q, want %q", loc, want)
	}
	// ids increase; customers without a key are fine, any number of them.
	for i, want := range []string{"1001", "1002"} {
		res := postCreate(t, c, cust("", fmt.Sprint("No key ", i)))
		if res.JSON201 == nil || res.JSON201.Response.Id.String() != want {
			t.Fatalf("create %d: %s", i, res.Body)
		}
	}

	got, err := c.GetCustomerByExternalKeyWithResponse(context.Background(), "acme-1")
	if err != nil || got.JSON200 == nil {
		t.Fatalf("read: %v %v", err, got)
	}
	r := got.JSON200.Response
	if got.JSON200.Code != 200 || r.CustomerId != "1000" || *r.Company != "Acme Widgets Inc." || *r.SuperuserEmail != "jane@acme.example" ||
		r.TermsId.String() != "2" || !bool(*r.NoLatefees) || *r.InvoiceDelivery != "email" || (*r.Tags)[0] != "wholesale" {
		t.Errorf("read = %s", got.Body)
	}

	all := srv.Customers()
	if len(all) != 3 || all[0].CustomerId != "1000" || all[2].CustomerId != "1002" {
		t.Fatalf("Customers() = %+v", all)
	}
	// Inspection returns copies.
	*all[0].Company = "changed"
	if c, ok := srv.CustomerByExternalKey("acme-1"); !ok || *c.Company != "Acme Widgets Inc." {
		t.Errorf("CustomerByExternalKey = %+v %v", c, ok)
	}
	if _, ok := srv.CustomerByExternalKey("nope"); ok {
		t.Error("CustomerByExternalKey(nope) found something")
	}
}

func TestGetUnknownKeyIs404(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	res, err := client(t, srv).GetCustomerByExternalKeyWithResponse(context.Background(), "missing key")
	if err != nil || res.StatusCode() != http.StatusNotFound {
		t.Fatalf("read: %v %d", err, res.StatusCode())
	}
	wantError(t, res.JSON404, 404, "missing key")
}

func TestCompanyRequired(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	for name, body := range map[string]string{
		"missing": `{"external_key":"k"}`,
		"empty":   `{"external_key":"k","company":""}`,
		"blank":   `{"external_key":"k","company":"   "}`,
	} {
		res := postRaw(t, c, body)
		if res.StatusCode() != http.StatusBadRequest {
			t.Fatalf("%s: status %d", name, res.StatusCode())
		}
		wantError(t, res.JSON400, 400, "Missing or invalid parameter", "company")
	}
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("%d customers after refused creates", n)
	}
}

func TestInvalidRequestNamesField(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	for field, body := range map[string]string{
		"company":          `{"company":5}`,
		"invoice_delivery": `{"company":"A","invoice_delivery":"fax"}`,
		"terms_id":         `{"company":"A","terms_id":"net30"}`,
	} {
		res := postRaw(t, c, body)
		if res.StatusCode() != http.StatusBadRequest {
			t.Fatalf("%s: status %d", field, res.StatusCode())
		}
		wantError(t, res.JSON400, 400, "Missing or invalid parameter", field)
	}
}

func TestExternalKeyUniqueAndExact(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	if res := postCreate(t, c, cust("K-1", "First")); res.StatusCode() != 201 {
		t.Fatalf("first: %s", res.Body)
	}
	res := postCreate(t, c, cust("K-1", "Second"))
	if res.StatusCode() != http.StatusBadRequest {
		t.Fatalf("duplicate: status %d", res.StatusCode())
	}
	wantError(t, res.JSON400, 400, `"K-1"`)
	// Keys compare exactly: case and spaces matter.
	for _, k := range []string{"k-1", "K-1 ", " K-1"} {
		if res := postCreate(t, c, cust(k, "Other")); res.StatusCode() != 201 {
			t.Errorf("key %q: %s", k, res.Body)
		}
	}
	if n := srv.CountByExternalKey("K-1"); n != 1 {
		t.Errorf("CountByExternalKey = %d", n)
	}
	if c, _ := srv.CustomerByExternalKey("K-1"); *c.Company != "First" {
		t.Errorf("the duplicate replaced the first customer: %+v", c)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithCredentials("user", "secret"))
	if srv.Username != "user" || srv.Password != "secret" {
		t.Fatalf("credentials = %q %q", srv.Username, srv.Password)
	}
	cases := []struct{ user, pass, msg string }{
		{"", "", msgNoAuth},
		{"user", "wrong", msgBadAuth},
		{"other", "secret", msgBadAuth},
	}
	for _, tc := range cases {
		c := clientAs(t, srv, tc.user, tc.pass)
		res := postCreate(t, c, cust("a", "A"))
		if res.StatusCode() != http.StatusUnauthorized {
			t.Fatalf("%q/%q: status %d", tc.user, tc.pass, res.StatusCode())
		}
		wantError(t, res.JSON401, 401, tc.msg)
		get, _ := c.GetCustomerByExternalKeyWithResponse(context.Background(), "a")
		wantError(t, get.JSON401, 401, tc.msg)
		bulk, _ := c.BulkWithResponse(context.Background(), chargeoverapi.BulkRequest{createSub(cust("b", "B"))})
		wantError(t, bulk.JSON401, 401, tc.msg)
	}
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("%d customers created without credentials", n)
	}
	// The document's exact text for a missing header.
	if msgNoAuth != "Invalid or incorrect authorization [Missing (basic) authorization header.]" {
		t.Error("401 text drifted from the document")
	}
	// Generated credentials differ per server.
	a, b := NewTestServer(t), NewTestServer(t)
	if a.Username == "" || a.Password == "" || a.Password == b.Password {
		t.Errorf("generated credentials %q/%q and %q", a.Username, a.Password, b.Password)
	}
}

func TestBulk(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	srv.Seed(cust("old", "Old Co"))
	c := client(t, srv)
	subs := chargeoverapi.BulkRequest{
		createSub(cust("b-1", "Bulk One")),                                               // 201
		createSub(cust("b-1", "Bulk One again")),                                         // 400: used within the batch
		createSub(cust("old", "Old again")),                                              // 400: used before
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer/external_key:b-1", ""),           // 200: sees the create above
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer/external_key:none", ""),          // 404
		rawSub(chargeoverapi.BulkPUT, "/api/v3/invoice/1", `{}`),                         // 404: unknown to the fake
		rawSub(chargeoverapi.BulkPOST, "/api/v3/customer", `{"external_key":"x"}`),       // 400: company missing
		rawSub(chargeoverapi.BulkPOST, "/api/v3/customer", `{"company":"A","tags":"t"}`), // 400: tags
		rawSub(chargeoverapi.BulkPOST, "/api/v3/customer", ""),                           // 400: no payload
		createSub(cust("b-2", "Bulk Two")),                                               // 201
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer/external_key:b%2D2", ""),         // 200: escaped key
	}
	res, err := c.BulkWithResponse(context.Background(), subs)
	if err != nil || res.JSON200 == nil {
		t.Fatalf("bulk: %v %d %s", err, res.StatusCode(), res.Body)
	}
	if res.JSON200.Code != 200 || res.JSON200.Status != chargeoverapi.EnvelopeStatusOK {
		t.Errorf("outer envelope: %s", res.Body)
	}
	want := []struct {
		code int32
		msg  string
	}{{201, ""}, {400, `"b-1"`}, {400, `"old"`}, {200, ""}, {404, "none"}, {404, "/api/v3/invoice/1"},
		{400, "company"}, {400, "tags"}, {400, "payload"}, {201, ""}, {200, ""}}
	got := res.JSON200.Response.Bulk
	if len(got) != len(want) {
		t.Fatalf("%d results for %d sub-requests", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.Code != w.code || r.Message == nil || !strings.Contains(*r.Message, w.msg) || r.Response == nil {
			t.Errorf("result %d = %d %v, want %d %q", i, r.Code, r.Message, w.code, w.msg)
			continue
		}
		wantStatus := chargeoverapi.EnvelopeStatusOK
		if w.code >= 400 {
			wantStatus = chargeoverapi.EnvelopeStatusError
			if string(*r.Response) != "false" {
				t.Errorf("result %d: response %s, want false", i, *r.Response)
			}
		}
		if r.Status != wantStatus {
			t.Errorf("result %d: status %q", i, r.Status)
		}
	}
	var id chargeoverapi.CreatedId
	if err := json.Unmarshal(*got[0].Response, &id); err != nil || id.Id != "1001" {
		t.Errorf("created id = %s", *got[0].Response)
	}
	var read chargeoverapi.Customer
	if err := json.Unmarshal(*got[3].Response, &read); err != nil || read.CustomerId != "1001" || *read.Company != "Bulk One" {
		t.Errorf("read = %s", *got[3].Response)
	}
	if n := len(srv.Customers()); n != 3 {
		t.Errorf("%d customers, want 3", n)
	}
}

func TestBulkLimit(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	subs := make(chargeoverapi.BulkRequest, 26)
	for i := range subs {
		subs[i] = createSub(cust(fmt.Sprint("k", i), "Co"))
	}
	res, err := c.BulkWithResponse(context.Background(), subs)
	if err != nil || res.StatusCode() != http.StatusBadRequest {
		t.Fatalf("26 sub-requests: %v %d", err, res.StatusCode())
	}
	wantError(t, res.JSON400, 400, "maximum 25")
	if n := len(srv.Customers()); n != 0 {
		t.Errorf("a refused batch created %d customers", n)
	}
	res, _ = c.BulkWithResponse(context.Background(), chargeoverapi.BulkRequest{})
	wantError(t, res.JSON400, 400)
	res, _ = c.BulkWithResponse(context.Background(), subs[:25])
	if res.JSON200 == nil || len(res.JSON200.Response.Bulk) != 25 {
		t.Fatalf("25 sub-requests: %d %s", res.StatusCode(), res.Body)
	}
}

// TestBulkAtomic runs overlapping batches concurrently: every key ends up
// once, and each batch's creates got consecutive ids (nothing interleaved).
func TestBulkAtomic(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	const batches = 8
	var wg sync.WaitGroup
	results := make([][]chargeoverapi.BulkItemResult, batches)
	for b := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subs := make(chargeoverapi.BulkRequest, 25)
			for i := range subs {
				// Keys overlap between batches b and b+1.
				subs[i] = createSub(cust(fmt.Sprint("key-", b*12+i), "Co"))
			}
			res, err := c.BulkWithResponse(context.Background(), subs)
			if err != nil || res.JSON200 == nil {
				t.Errorf("batch %d: %v", b, err)
				return
			}
			results[b] = res.JSON200.Response.Bulk
		}()
	}
	wg.Wait()
	for b, rs := range results {
		var ids []int
		for _, r := range rs {
			if r.Code == 201 {
				var id chargeoverapi.CreatedId
				_ = json.Unmarshal(*r.Response, &id)
				n, _ := id.Id.Int64()
				ids = append(ids, int(n))
			}
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] != ids[i-1]+1 {
				t.Errorf("batch %d interleaved: ids %v", b, ids)
				break
			}
		}
	}
	for k := range batches*12 + 13 {
		if n := srv.CountByExternalKey(fmt.Sprint("key-", k)); n != 1 {
			t.Errorf("key-%d: %d customers", k, n)
		}
	}
}

func TestSeedAndConfigCustomers(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithConfig(Config{Customers: []chargeoverapi.CustomerCreate{cust("a", "A")}}), WithCustomers(cust("b", "B")))
	srv.Seed(cust("c", "C"), cust("", "No key"))
	all := srv.Customers()
	if len(all) != 4 || *all[0].ExternalKey != "a" || *all[1].ExternalKey != "b" || *all[2].ExternalKey != "c" || all[3].CustomerId != "1003" {
		t.Fatalf("customers = %+v", all)
	}
	// A seeded key is used: a create with it is refused.
	if res := postCreate(t, client(t, srv), cust("c", "Again")); res.StatusCode() != 400 {
		t.Errorf("create with a seeded key: %d", res.StatusCode())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Seed with a used key did not panic")
			}
		}()
		srv.Seed(cust("a", "Again"))
	}()
	if _, err := Start(WithCustomers(cust("x", "X"), cust("x", "Y"))); err == nil {
		t.Error("Start with duplicate customers succeeded")
	}
	if _, err := Start(WithCustomers(cust("x", ""))); err == nil {
		t.Error("Start with an empty company succeeded")
	}
}

func TestUnknownRouteIsEnvelope(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v3/subscription", nil)
	req.SetBasicAuth(srv.Username, srv.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e chargeoverapi.ErrorResponse
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 404 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	wantError(t, &e, 404)
}
