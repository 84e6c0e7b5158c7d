package specs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/specguard"
	"github.com/billbridge/billbridge/pkg/flex"
)

const (
	coCustomer = "/api/v3/customer"
	coByKey    = "/api/v3/customer/external_key:{key}"
	coByID     = "/api/v3/customer/{customer_id}"
	coBulk     = "/api/v3/_bulk"
	coDir      = "chargeover/"
)

// TestChargeOverSpecLoads checks that the spec and the embedded copy in the
// generated package both load and validate.
func TestChargeOverSpecLoads(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	for _, p := range []string{coCustomer, coByKey, coByID, coBulk} {
		if doc.Paths.Value(p) == nil {
			t.Errorf("path %s missing", p)
		}
	}
	sw, err := chargeoverapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Validate(context.Background()); err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
}

// TestChargeOverDocumentExamples runs every example body of the document (the
// 201, 400 and 401 "Example 1" bodies, copied verbatim) and the hand-written
// ones through the schema and the generated types.
func TestChargeOverDocumentExamples(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	cases := []struct {
		method, path string
		status       int
		file         string
		into         any
		// ignore: paths whose form changes through the Go type (flex.Decimal
		// writes money as a decimal string); TestChargeOverMoneyAsRead
		// checks their values.
		ignore []string
	}{
		// From the document, verbatim.
		{http.MethodPost, coCustomer, 201, "createCustomer.201.json", &chargeoverapi.CreatedResponse{}, nil},
		{http.MethodPost, coCustomer, 400, "createCustomer.400.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coCustomer, 401, "createCustomer.401.json", &chargeoverapi.ErrorResponse{}, nil},
		// Hand-written: the document shows no request body and no body for these.
		{http.MethodPost, coCustomer, 0, "createCustomer.request.json", &chargeoverapi.CustomerCreate{}, nil},
		{http.MethodPost, coCustomer, 400, "createCustomer.400.duplicate-external-key.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coCustomer, 429, "createCustomer.429.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coCustomer, 500, "createCustomer.500.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodGet, coByKey, 200, "getCustomerByExternalKey.200.json", &chargeoverapi.CustomerResponse{}, nil},
		{http.MethodGet, coByKey, 404, "getCustomerByExternalKey.404.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodGet, coByKey, 401, "createCustomer.401.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coBulk, 0, "bulk.request.json", &chargeoverapi.BulkRequest{}, nil},
		{http.MethodPost, coBulk, 200, "bulk.200.json", &chargeoverapi.BulkResultResponse{}, nil},
		{http.MethodPost, coBulk, 400, "bulk.400.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coBulk, 429, "createCustomer.429.json", &chargeoverapi.ErrorResponse{}, nil},
		// 2.1.0: the read side and updates.
		{http.MethodGet, coCustomer, 200, "listCustomers.200.json", &chargeoverapi.CustomerListResponse{}, []string{"/response/*/paid"}},
		{http.MethodGet, coCustomer, 400, "createCustomer.400.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodGet, coByID, 200, "getCustomer.200.json", &chargeoverapi.CustomerResponse{}, []string{"/response/paid", "/response/total", "/response/balance"}},
		{http.MethodGet, coByID, 404, "getCustomer.404.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPut, coByID, 0, "updateCustomer.request.json", &chargeoverapi.CustomerUpdate{}, nil},
		{http.MethodPut, coByID, 202, "updateCustomer.202.json", &chargeoverapi.UpdatedResponse{}, nil},
		{http.MethodPut, coByID, 404, "getCustomer.404.json", &chargeoverapi.ErrorResponse{}, nil},
		{http.MethodPost, coBulk, 0, "bulk.update.request.json", &chargeoverapi.BulkRequest{}, nil},
		{http.MethodPost, coBulk, 200, "bulk.update.200.json", &chargeoverapi.BulkResultResponse{}, nil},
	}
	for _, c := range cases {
		t.Run(c.method+strconv.Itoa(c.status)+"_"+c.file, func(t *testing.T) {
			checkDocumentExample(t, doc, c.method, c.path, c.status, coDir+c.file, c.into, c.ignore...)
		})
	}
}

// TestChargeOverSpecExamplesMatchTestdata checks that the spec carries the
// document's examples: each media-type example named documentExample equals
// its verbatim testdata file.
func TestChargeOverSpecExamplesMatchTestdata(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	op := doc.Paths.Value(coCustomer).Post
	for status, file := range map[int]string{201: "createCustomer.201.json", 400: "createCustomer.400.json", 401: "createCustomer.401.json"} {
		ex := op.Responses.Status(status).Value.Content.Get("application/json").Examples["documentExample"]
		if ex == nil {
			t.Errorf("%d: no documentExample", status)
			continue
		}
		var want any
		coReadJSON(t, file, &want)
		got := coRoundTrip(t, ex.Value.Value)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%d: spec example %v differs from %s %v", status, got, file, want)
		}
	}
}

// TestChargeOverFromSchemaArtefacts pins the decision about the document's
// "Example (from schema)" bodies: code 0, status "string" and response true on
// errors are artefacts of the documentation generator. The spec rejects them,
// but the generated types still decode them (a client must not crash on such
// a body).
func TestChargeOverFromSchemaArtefacts(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	for _, c := range []struct {
		status int
		file   string
		into   any
	}{
		{201, "createCustomer.201.from-schema.json", &chargeoverapi.CreatedResponse{}},
		{400, "createCustomer.400.from-schema.json", &chargeoverapi.ErrorResponse{}},
		{401, "createCustomer.401.from-schema.json", &chargeoverapi.ErrorResponse{}},
	} {
		var v any
		coReadJSON(t, c.file, &v)
		if err := bodySchema(t, doc, http.MethodPost, coCustomer, c.status).VisitJSON(v); err == nil {
			t.Errorf("%s: the schema accepts the generator artefact", c.file)
		}
		coReadJSON(t, c.file, c.into)
	}
}

// TestChargeOverTolerantReading decodes bodies that drift from the document the
// way a PHP server does: ids as numeric strings, booleans as 0/1, details as
// [], unknown fields and enum values.
func TestChargeOverTolerantReading(t *testing.T) {
	var created chargeoverapi.CreatedResponse
	coReadJSON(t, "createCustomer.201.drift.json", &created)
	if id, err := created.Response.Id.Int64(); err != nil || id != 1234 {
		t.Errorf("id = %v, %v; want 1234", created.Response.Id, err)
	}
	if created.Details == nil || string(*created.Details) != "[]" {
		t.Errorf("details = %v, want []", created.Details)
	}

	var got chargeoverapi.CustomerResponse
	coReadJSON(t, "getCustomerByExternalKey.200.drift.json", &got)
	c := got.Response
	if id, err := c.CustomerId.Int64(); err != nil || id != 1234 {
		t.Errorf("customer_id = %v, %v", c.CustomerId, err)
	}
	if c.ParentCustomerId == nil || *c.ParentCustomerId != "17" || c.TermsId == nil || *c.TermsId != "2" || c.CurrencyId == nil || *c.CurrencyId != "1" {
		t.Errorf("ids: parent %v terms %v currency %v", c.ParentCustomerId, c.TermsId, c.CurrencyId)
	}
	if c.NoTaxes == nil || *c.NoTaxes != false || c.NoDunning == nil || *c.NoDunning != true || c.NoLatefees == nil || *c.NoLatefees != true {
		t.Errorf("booleans: no_taxes %v no_dunning %v no_latefees %v", c.NoTaxes, c.NoDunning, c.NoLatefees)
	}
	if c.NoProcfees != nil || c.DunningDelivery != nil {
		t.Errorf("nulls should stay unset: no_procfees %v dunning_delivery %v", c.NoProcfees, c.DunningDelivery)
	}
	if c.InvoiceDelivery == nil || *c.InvoiceDelivery != "portal" || c.InvoiceDelivery.Valid() {
		t.Errorf("unknown invoice_delivery = %v", c.InvoiceDelivery)
	}
	if c.ExternalKey == nil || *c.ExternalKey != "acme-0001" || c.Company == nil || *c.Company != "Acme Widgets Inc." {
		t.Errorf("external_key %v company %v", c.ExternalKey, c.Company)
	}
	// Re-encoding writes the documented forms.
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"customer_id":1234`, `"no_dunning":true`, `"terms_id":2`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("re-encoded customer lacks %s: %s", want, out)
		}
	}

	// A bulk result's response is decoded once its code is known.
	var bulk chargeoverapi.BulkResultResponse
	coReadJSON(t, "bulk.200.json", &bulk)
	if n := len(bulk.Response.Bulk); n != 3 {
		t.Fatalf("%d bulk results, want 3", n)
	}
	var id chargeoverapi.CreatedId
	if err := json.Unmarshal(*bulk.Response.Bulk[0].Response, &id); err != nil || id.Id != "1235" {
		t.Errorf("bulk[0] id %v, %v", id.Id, err)
	}
	if r := bulk.Response.Bulk[1]; r.Code != 400 || r.Status != chargeoverapi.EnvelopeStatusError || string(*r.Response) != "false" {
		t.Errorf("bulk[1] = %+v", r)
	}
	var cust chargeoverapi.Customer
	if err := json.Unmarshal(*bulk.Response.Bulk[2].Response, &cust); err != nil || cust.CustomerId != "1234" {
		t.Errorf("bulk[2] customer %v, %v", cust.CustomerId, err)
	}
}

// TestChargeOverBulkLimits checks the documented limits of the bulk body.
func TestChargeOverBulkLimits(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	schema := bodySchema(t, doc, http.MethodPost, coBulk, 0)
	item := map[string]any{"request_method": "GET", "uri": "/api/v3/customer/1"}
	for n, ok := range map[int]bool{0: false, 1: true, 25: true, 26: false} {
		list := make([]any, n)
		for i := range list {
			list[i] = item
		}
		if err := schema.VisitJSON(list); (err == nil) != ok {
			t.Errorf("%d sub-requests: err = %v, want ok=%v", n, err, ok)
		}
	}
	for _, bad := range []map[string]any{
		{"request_method": "DELETE", "uri": "/api/v3/customer/1"},
		{"request_method": "GET", "uri": "https://example.chargeover.com/api/v3/customer/1"},
		{"uri": "/api/v3/customer"},
	} {
		if err := schema.VisitJSON([]any{bad}); err == nil {
			t.Errorf("sub-request %v accepted", bad)
		}
	}
}

// TestChargeOverExternalKeyRoute checks that kin-openapi's router matches the
// "external_key:{key}" path, whose parameter sits inside a path segment.
func TestChargeOverExternalKeyRoute(t *testing.T) {
	sw, err := chargeoverapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	guard, err := specguard.New(sw)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v3/customer/external_key:abc-123", nil)
	in, err := guard.Request(r)
	if err != nil {
		t.Fatalf("route: %v", err)
	}
	if in.Route.Path != coByKey || in.PathParams["key"] != "abc-123" {
		t.Errorf("routed to %s with %v", in.Route.Path, in.PathParams)
	}
	// Since 2.1.0 /api/v3/customer/{customer_id} matches the same URLs: the
	// more literal path must win (specguard orders the routes so), and a
	// customer_id that is not an integer is refused.
	in, err = guard.Request(httptest.NewRequest(http.MethodGet, "/api/v3/customer/16", nil))
	if err != nil || in.Route.Path != coByID || in.PathParams["customer_id"] != "16" {
		t.Errorf("/api/v3/customer/16: %v, routed to %v", err, in)
	}
	in, err = guard.Request(httptest.NewRequest(http.MethodGet, "/api/v3/customer/abc-123", nil))
	if err == nil || in == nil || in.Route.Path != coByID {
		t.Errorf("/api/v3/customer/abc-123: %v, want refused by the customer_id route", err)
	}
	// The external-key route takes no PUT: the most specific path decides.
	if _, err := guard.Request(httptest.NewRequest(http.MethodPut, "/api/v3/customer/external_key:a", strings.NewReader("{}"))); err == nil {
		t.Error("PUT on the external-key path accepted")
	}
}

// TestChargeOverMoneyAsRead checks the document's money values (decimal
// dollars as JSON numbers) through flex.Decimal, digit for digit.
func TestChargeOverMoneyAsRead(t *testing.T) {
	var got chargeoverapi.CustomerResponse
	coReadJSON(t, "getCustomer.200.json", &got)
	c := got.Response
	if c.Paid == nil || c.Paid.String() != "1145.46" || c.Total == nil || c.Total.String() != "2656.11" || c.Balance == nil || c.Balance.String() != "1510.65" {
		t.Errorf("paid %v total %v balance %v", c.Paid, c.Total, c.Balance)
	}
	if c.WriteDatetime == nil || *c.WriteDatetime != "2017-05-18 09:36:19" {
		t.Errorf("write_datetime %v", c.WriteDatetime)
	}
	var list chargeoverapi.CustomerListResponse
	coReadJSON(t, "listCustomers.200.drift.json", &list)
	if len(list.Response) != 2 || list.Response[0].CustomerId != "1234" || list.Response[0].Paid.String() != "1145.46" || list.Message != nil {
		t.Errorf("drifted page: %+v", list)
	}
}

// TestChargeOverWhereGrammar checks the where and order patterns against
// the documented forms and the escape rule.
func TestChargeOverWhereGrammar(t *testing.T) {
	doc := loadSpec(t, "chargeover")
	var where, order *openapi3.Schema
	for _, p := range doc.Paths.Value(coCustomer).Get.Parameters {
		switch p.Value.Name {
		case "where":
			where = p.Value.Schema.Value
		case "order":
			order = p.Value.Schema.Value
		}
	}
	for v, ok := range map[string]bool{
		"superuser_email:EQUALS:johndoe@example.com":                true, // the documents' examples
		"company:CONTAINS:test":                                     true,
		"date:GTE:2015-02-01,date:LTE:2015-02-05":                   true,
		`external_key:EQUALS:Example\:ID`:                           true,
		`company:EQUALS:Smith\, Jones\\`:                            true,
		"custom_1:IS:NULL,custom_2:ISNOT:NULL":                      true,
		"customer_id:NOTEQUALS:1,customer_id:GT:0,customer_id:LT:9": true,
		"company:EQUALS:":                                           true,  // an empty value
		"external_key:EQUALS:Example:ID":                            false, // an unescaped colon
		"company:LIKE:x":                                            false,
		"company:IS:EMPTY":                                          false,
		"company":                                                   false,
		"company:EQUALS:a,":                                         false,
		"company name:EQUALS:a":                                     false,
	} {
		if err := where.VisitJSON(v); (err == nil) != ok {
			t.Errorf("where %q: err = %v, want ok=%v", v, err, ok)
		}
	}
	for v, ok := range map[string]bool{"customer_id:DESC": true, "total:ASC,customer_id:ASC": true, "total": false, "total:asc": false, "total:ASC,": false} {
		if err := order.VisitJSON(v); (err == nil) != ok {
			t.Errorf("order %q: err = %v, want ok=%v", v, err, ok)
		}
	}
}

// TestChargeOverClientRequests calls every operation of the generated client
// and validates the requests it sends.
func TestChargeOverClientRequests(t *testing.T) {
	sw, err := chargeoverapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	record := func(_ context.Context, req *http.Request) error {
		paths = append(paths, req.URL.EscapedPath())
		return nil
	}
	n := checkClientRequests(t, sw, func(baseURL string) {
		c, err := chargeoverapi.NewClient(baseURL, chargeoverapi.WithRequestEditorFn(record))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		customer := chargeoverapi.CustomerCreate{
			Company:         "Acme Widgets Inc.",
			ExternalKey:     flex.Ptr("acme-0001"),
			TermsId:         flex.Ptr(int64(2)),
			NoLatefees:      flex.Ptr(flex.Bool(true)),
			InvoiceDelivery: flex.Ptr(chargeoverapi.DeliveryMethodEmail),
			Tags:            &[]string{"wholesale"},
		}
		send := func(resp *http.Response, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		send(c.CreateCustomer(ctx, customer))
		send(c.GetCustomerByExternalKey(ctx, "abc-123"))
		payload, err := json.Marshal(customer)
		if err != nil {
			t.Fatal(err)
		}
		raw := json.RawMessage(payload)
		update := json.RawMessage(`{"bill_city":"Chicago"}`)
		send(c.Bulk(ctx, chargeoverapi.BulkRequest{
			{RequestMethod: chargeoverapi.BulkPOST, Uri: coCustomer, Payload: &raw},
			{RequestMethod: chargeoverapi.BulkGET, Uri: "/api/v3/customer/external_key:acme-0001"},
			{RequestMethod: chargeoverapi.BulkPUT, Uri: "/api/v3/customer/16", Payload: &update},
			{RequestMethod: chargeoverapi.BulkGET, Uri: "/api/v3/customer?where=company:CONTAINS:acme&limit=25"},
		}))
		where, order := `external_key:EQUALS:Example\:ID,company:CONTAINS:a\,b`, "customer_id:ASC"
		send(c.ListCustomers(ctx, &chargeoverapi.ListCustomersParams{Where: &where, Order: &order, Offset: flex.Ptr(int64(10)), Limit: flex.Ptr(int32(500))}))
		send(c.GetCustomer(ctx, 16))
		send(c.UpdateCustomer(ctx, 16, chargeoverapi.CustomerUpdate{BillCity: flex.Ptr("Chicago"), NoTaxes: flex.Ptr(flex.Bool(false))}))
	})
	if n != 6 {
		t.Errorf("%d requests seen, want 6", n)
	}
	want := []string{coCustomer, "/api/v3/customer/external_key:abc-123", coBulk, coCustomer, "/api/v3/customer/16", "/api/v3/customer/16"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
}

func coReadJSON(t *testing.T, file string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "chargeover", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func coRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
