package specs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/flex"
)

const meteroidCustomerPath = "/api/v1/customers/{id_or_alias}"

// TestMeteroidDocumentExamples runs every example body of the document (and
// the hand-written error envelopes) through the schema and the generated types.
func TestMeteroidDocumentExamples(t *testing.T) {
	doc := loadSpec(t, "meteroid")

	checkDocumentExample(t, doc, http.MethodPatch, meteroidCustomerPath, 0,
		"meteroid/patchCustomer.request.json", &meteroidapi.CustomerPatch{})
	checkDocumentExample(t, doc, http.MethodPatch, meteroidCustomerPath, 200,
		"meteroid/patchCustomer.200.json", &meteroidapi.Customer{})
	checkDocumentExample(t, doc, http.MethodGet, meteroidCustomerPath, 200,
		"meteroid/getCustomer.200.json", &meteroidapi.Customer{})

	for _, status := range []int{400, 401, 404, 429, 500} {
		file := filepath.Join("meteroid", "error."+strconv.Itoa(status)+".json")
		checkDocumentExample(t, doc, http.MethodPatch, meteroidCustomerPath, status, file, &meteroidapi.Error{})
		if status != 400 { // GET has no body to be bad
			checkDocumentExample(t, doc, http.MethodGet, meteroidCustomerPath, status, file, &meteroidapi.Error{})
		}
	}
}

// TestMeteroidListCreateExamples runs the hand-written bodies of the list
// and create operations through their schemas and the generated types, and
// pins the 2.1.0 decisions: the required fields of a create, the paging
// parameters and their bounds; and since 3.0.0 the order_by parameter.
func TestMeteroidListCreateExamples(t *testing.T) {
	doc := loadSpec(t, "meteroid")
	checkDocumentExample(t, doc, http.MethodPost, "/api/v1/customers", 0,
		"meteroid/createCustomer.request.json", &meteroidapi.CustomerCreate{})
	checkDocumentExample(t, doc, http.MethodGet, "/api/v1/customers", 200,
		"meteroid/listCustomers.200.json", &meteroidapi.CustomerList{})
	checkDocumentExample(t, doc, http.MethodPost, "/api/v1/customers", 201,
		"meteroid/getCustomer.200.json", &meteroidapi.Customer{})
	for _, status := range []int{400, 401, 429, 500} {
		file := filepath.Join("meteroid", "error."+strconv.Itoa(status)+".json")
		checkDocumentExample(t, doc, http.MethodGet, "/api/v1/customers", status, file, &meteroidapi.Error{})
		checkDocumentExample(t, doc, http.MethodPost, "/api/v1/customers", status, file, &meteroidapi.Error{})
	}
	for _, status := range []int{401, 404, 429, 500} {
		file := filepath.Join("meteroid", "error."+strconv.Itoa(status)+".json")
		checkDocumentExample(t, doc, http.MethodDelete, meteroidCustomerPath, status, file, &meteroidapi.Error{})
	}

	schemas := doc.Components.Schemas
	req := slices.Clone(schemas["CustomerCreate"].Value.Required)
	slices.Sort(req)
	if want := []string{"currency", "custom_taxes", "invoicing_emails", "name"}; !slices.Equal(req, want) {
		t.Errorf("CustomerCreate required = %v, want %v", req, want)
	}
	checkDocumentFields(t, doc, "CustomerCreate", "meteroid/createCustomer.request.json")
	pm := slices.Clone(schemas["PaginationMeta"].Value.Required)
	slices.Sort(pm)
	if want := []string{"page", "per_page", "total_items", "total_pages"}; !slices.Equal(pm, want) {
		t.Errorf("PaginationMeta required = %v", pm)
	}
	list := doc.Paths.Value("/api/v1/customers").Get
	var names []string
	for _, p := range list.Parameters {
		names = append(names, p.Value.Name)
		if p.Value.Required {
			t.Errorf("list parameter %s is required; Meteroid's are optional", p.Value.Name)
		}
	}
	if want := []string{"order_by", "page", "per_page", "search", "archived"}; !slices.Equal(names, want) {
		t.Errorf("list parameters %v, want %v (order_by: Meteroid's OpenAPI has it since fda38076)", names, want)
	}
	perPage := list.Parameters.GetByInAndName("query", "per_page").Schema.Value
	if *perPage.Min != 1 || *perPage.Max != 100 {
		t.Errorf("per_page bounds %v..%v, want 1..100", *perPage.Min, *perPage.Max)
	}
	if r := doc.Paths.Value("/api/v1/customers").Post.Responses.Status(409); r == nil {
		t.Error("createCustomer declares no 409")
	}
	if r := doc.Paths.Value(meteroidCustomerPath).Delete.Responses.Status(204); r == nil || len(r.Value.Content) != 0 {
		t.Error("archiveCustomer: want a 204 without a body")
	}
}

// TestMeteroidSpecExamplesAreTheDocuments checks that the spec's "document"
// examples are the document's bodies verbatim, the same as in testdata.
func TestMeteroidSpecExamplesAreTheDocuments(t *testing.T) {
	doc := loadSpec(t, "meteroid")
	op := doc.Paths.Value(meteroidCustomerPath).Patch
	req := op.RequestBody.Value.Content.Get("application/json").Examples["document"].Value.Value
	resp := op.Responses.Status(200).Value.Content.Get("application/json").Examples["document"].Value.Value
	for file, example := range map[string]any{
		"patchCustomer.request.json": req,
		"patchCustomer.200.json":     resp,
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", "meteroid", file))
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(example)
		var got any
		_ = json.Unmarshal(again, &got)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("spec example differs from testdata/meteroid/%s", file)
		}
	}
}

// TestMeteroidSchemaDecisions pins the reconstruction decisions: the six
// required customer fields, the documents' fields, the complete currency
// list, the error codes.
func TestMeteroidSchemaDecisions(t *testing.T) {
	doc := loadSpec(t, "meteroid")
	schemas := doc.Components.Schemas

	req := slices.Clone(schemas["Customer"].Value.Required)
	slices.Sort(req)
	if want := []string{"currency", "custom_taxes", "id", "invoicing_emails", "invoicing_entity_id", "name"}; !slices.Equal(req, want) {
		t.Errorf("Customer required = %v, want %v", req, want)
	}
	if n := len(schemas["CustomerPatch"].Value.Required); n != 0 {
		t.Errorf("CustomerPatch has %d required fields, want none (PATCH)", n)
	}
	// The documents' fields, whatever the spec adds (Customer:
	// connected_account_id, which the document's customer does not show).
	checkDocumentFields(t, doc, "CustomerPatch", "meteroid/patchCustomer.request.json")
	checkDocumentFields(t, doc, "Customer", "meteroid/patchCustomer.200.json")
	checkDocumentFields(t, doc, "Customer", "meteroid/getCustomer.200.json")
	if !slices.Contains(schemaFields(t, doc, "Customer"), "connected_account_id") {
		t.Errorf("Customer has no connected_account_id")
	}
	// 3.0.0: upstream removed bank_account_id and never returns
	// is_tax_exempt (still accepted on write).
	for _, f := range []string{"is_tax_exempt", "bank_account_id"} {
		if slices.Contains(schemaFields(t, doc, "Customer"), f) {
			t.Errorf("Customer still has %s", f)
		}
	}

	cur := schemas["Currency"].Value.Enum
	if len(cur) != 159 || cur[0] != "AED" || cur[len(cur)-1] != "ZWL" || !slices.Contains(cur, any("EUR")) {
		t.Errorf("Currency enum has %d codes (%v ... %v), want the document's 159, AED ... ZWL", len(cur), cur[0], cur[len(cur)-1])
	}
	// Spot-check the generated constants for codes that are also words.
	for _, c := range []meteroidapi.Currency{meteroidapi.CurrencyALL, meteroidapi.CurrencyTRY, meteroidapi.CurrencyTOP, meteroidapi.CurrencyEUR} {
		if !slices.Contains(cur, any(string(c))) {
			t.Errorf("constant %q not in the enum", c)
		}
	}

	codes := schemas["ErrorCode"].Value.Enum
	if len(codes) != 7 {
		t.Errorf("ErrorCode has %d values, want 7", len(codes))
	}
}

// TestMeteroidTolerantReading decodes drifted bodies: unknown fields, an
// unknown currency and error code, decimals as JSON numbers, booleans as 0/1,
// nulls for optional fields.
func TestMeteroidTolerantReading(t *testing.T) {
	var c meteroidapi.Customer
	meteroidReadJSON(t, "meteroid/customer.drift.json", &c)
	if c.Id != "cus_4hTnJk2x9QpLm7Rz0aBcDe" || c.Name != "Drift Ltd" {
		t.Errorf("id/name = %q/%q", c.Id, c.Name)
	}
	if c.Currency != "XBT" {
		t.Errorf("unknown currency = %q, want XBT kept", c.Currency)
	}
	if len(c.CustomTaxes) != 2 || c.CustomTaxes[0].Rate != flex.Decimal("0.2") || c.CustomTaxes[1].Rate != flex.Decimal("12.50") {
		t.Errorf("custom taxes = %+v, want rates 0.2 and 12.50 as written", c.CustomTaxes)
	}
	if c.ShippingAddress == nil || bool(c.ShippingAddress.SameAsBilling) || c.ShippingAddress.Address == nil ||
		c.ShippingAddress.Address.City == nil || *c.ShippingAddress.Address.City != "London" {
		t.Errorf("shipping address = %+v, want same_as_billing false and London", c.ShippingAddress)
	}
	if c.Alias != nil || c.BillingEmail != nil || c.BillingAddress != nil || c.Phone != nil || c.VatNumber != nil {
		t.Errorf("null optional fields should decode as nil: %+v", c)
	}
	if c.InvoicingEmails == nil || len(c.InvoicingEmails) != 0 {
		t.Errorf("invoicing_emails [] = %#v", c.InvoicingEmails)
	}

	var e meteroidapi.Error
	meteroidReadJSON(t, "meteroid/error.drift.json", &e)
	if e.Code != "PAYMENT_REQUIRED" || e.Message == "" {
		t.Errorf("error drift = %+v, want unknown code kept", e)
	}

	// Re-encoding writes the documented forms: decimals as strings, true/false.
	out, err := json.Marshal(c.CustomTaxes[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"VAT","rate":"0.2","tax_code":"GB-VAT"}`; string(out) != want {
		t.Errorf("re-encoded tax = %s, want %s", out, want)
	}
}

// TestMeteroidClientRequests calls every operation of the generated client and
// checks that each request validates against the spec.
func TestMeteroidClientRequests(t *testing.T) {
	spec, err := meteroidapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	seen := checkClientRequests(t, spec, func(baseURL string) {
		c, err := meteroidapi.NewClient(baseURL, meteroidapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer pv_sand_test")
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		do := func(resp *http.Response, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		do(c.GetCustomer(ctx, "cus_7n42DGM5Tflk9n8mt7Fhc7"))
		do(c.GetCustomer(ctx, "acme de/ü"))

		cur := meteroidapi.CurrencyEUR
		do(c.PatchCustomer(ctx, "acme-de", meteroidapi.CustomerPatch{
			Name:            flex.Ptr("Acme GmbH"),
			BillingEmail:    flex.Ptr("billing@acme.example"),
			InvoicingEmails: &[]string{"billing@acme.example", "ap@acme.example"},
			Currency:        &cur,
			BillingAddress: &meteroidapi.Address{
				Line1:   flex.Ptr("Friedrichstraße 1"),
				City:    flex.Ptr("Berlin"),
				ZipCode: flex.Ptr("10117"),
				Country: flex.Ptr("DE"),
			},
			ShippingAddress:   &meteroidapi.ShippingAddress{SameAsBilling: true},
			InvoicingEntityId: flex.Ptr("ive_7n42DGM5Tflk9n8mt7Fhc7"),
			VatNumber:         flex.Ptr("DE123456789"),
			IsTaxExempt:       flex.Ptr(flex.Bool(false)),
			CustomTaxes:       &[]meteroidapi.CustomTax{{Name: "VAT", Rate: "0.19", TaxCode: "DE-VAT-STD"}},
		}))
		do(c.PatchCustomer(ctx, "cus_7n42DGM5Tflk9n8mt7Fhc7", meteroidapi.CustomerPatch{})) // empty patch: valid, changes nothing
	})
	if seen != 4 {
		t.Errorf("server saw %d requests, want 4", seen)
	}
}

func meteroidReadJSON(t *testing.T, file string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
