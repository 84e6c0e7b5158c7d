package meteroidtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/fault"
)

// client returns a generated client with a real http.Client of its own that
// sends key as the bearer key ("" sends no Authorization header).
func client(t *testing.T, srv *Server, key string) *meteroidapi.ClientWithResponses {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := meteroidapi.NewClientWithResponses(srv.URL, meteroidapi.WithHTTPClient(hc),
		meteroidapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if key != "" {
				r.Header.Set("Authorization", "Bearer "+key)
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// patchRaw sends a raw JSON body, so tests control exactly which keys are present.
func patchRaw(t *testing.T, c *meteroidapi.ClientWithResponses, idOrAlias, body string) *meteroidapi.PatchCustomerResponse {
	t.Helper()
	res, err := c.PatchCustomerWithBodyWithResponse(context.Background(), idOrAlias, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("PATCH %s: %v", idOrAlias, err)
	}
	return res
}

// postRaw sends a raw create body with a content type.
func postRaw(t *testing.T, c *meteroidapi.ClientWithResponses, contentType, body string) *meteroidapi.CreateCustomerResponse {
	t.Helper()
	res, err := c.CreateCustomerWithBodyWithResponse(context.Background(), contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	return res
}

func wantError(t *testing.T, status int, e *meteroidapi.Error, wantStatus int, code meteroidapi.ErrorCode, msgPart string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status = %d, want %d", status, wantStatus)
	}
	if e == nil {
		t.Fatalf("no Error body with status %d", status)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q", e.Code, code)
	}
	if !strings.Contains(e.Message, msgPart) {
		t.Errorf("message %q does not contain %q", e.Message, msgPart)
	}
}

func seeded() meteroidapi.Customer {
	return meteroidapi.Customer{
		Id:                "cus_acme",
		Alias:             ptr("acme-de"),
		Name:              "Acme GmbH",
		Currency:          meteroidapi.CurrencyEUR,
		CustomTaxes:       []meteroidapi.CustomTax{{Name: "VAT", Rate: "0.19", TaxCode: "DE-VAT"}},
		InvoicingEmails:   []string{"billing@acme.example"},
		InvoicingEntityId: "ive_default",
		BillingEmail:      ptr("billing@acme.example"),
		Phone:             ptr("+49 30 1234"),
		BillingAddress:    &meteroidapi.Address{Line1: ptr("Friedrichstraße 1"), Line2: ptr("c/o X"), City: ptr("Berlin"), Country: ptr("DE")},
	}
}

func TestGetByIDAndAlias(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	for _, key := range []string{"cus_acme", "acme-de"} {
		res, err := c.GetCustomerWithResponse(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil || res.JSON200.Id != "cus_acme" || res.JSON200.Name != "Acme GmbH" {
			t.Fatalf("GET %s: %d %s", key, res.StatusCode(), res.Body)
		}
	}
	res, err := c.GetCustomerWithResponse(ctx, "nobody")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res.StatusCode(), res.JSON404, 404, meteroidapi.ErrorCodeNotFound, `"nobody"`)
}

func TestIDWinsOverAlias(t *testing.T) {
	// B's alias equals A's id: the id lookup comes first.
	srv := NewTestServer(t, WithCustomers(
		meteroidapi.Customer{Id: "cus_a", Name: "A"},
		meteroidapi.Customer{Id: "cus_b", Name: "B", Alias: ptr("cus_a")},
	))
	res, err := client(t, srv, srv.APIKey).GetCustomerWithResponse(context.Background(), "cus_a")
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || res.JSON200.Name != "A" {
		t.Fatalf("got %d %s, want customer A", res.StatusCode(), res.Body)
	}
}

func TestPatchChangesOnlyPresentFields(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()))
	c := client(t, srv, srv.APIKey)
	before, _ := srv.Customer("cus_acme")

	res := patchRaw(t, c, "cus_acme", `{"name":"Acme AG"}`)
	if res.JSON200 == nil {
		t.Fatalf("PATCH: %d %s", res.StatusCode(), res.Body)
	}
	want := before
	want.Name = "Acme AG"
	got, _ := srv.Customer("cus_acme")
	if !jsonEqual(got, want) || !jsonEqual(*res.JSON200, want) {
		t.Fatalf("after name-only PATCH:\n got %s\nresp %s\nwant %s", js(got), js(*res.JSON200), js(want))
	}

	// Arrays and objects replace the stored value as a whole.
	res = patchRaw(t, c, "acme-de", `{"invoicing_emails":["a@x.example","b@x.example"],"custom_taxes":[],
		"billing_address":{"city":"Hamburg","country":"DE"},"shipping_address":{"same_as_billing":true},
		"is_tax_exempt":true,"currency":"CHF","vat_number":"DE1","phone":"1","billing_email":"c@x.example",
		"invoicing_entity_id":"ive_other"}`)
	if res.JSON200 == nil {
		t.Fatalf("PATCH: %d %s", res.StatusCode(), res.Body)
	}
	got, _ = srv.Customer("acme-de")
	if !slices.Equal(got.InvoicingEmails, []string{"a@x.example", "b@x.example"}) || got.CustomTaxes == nil || len(got.CustomTaxes) != 0 {
		t.Errorf("arrays not replaced: %s", js(got))
	}
	if got.BillingAddress == nil || got.BillingAddress.Line1 != nil || got.BillingAddress.Line2 != nil || *got.BillingAddress.City != "Hamburg" {
		t.Errorf("billing_address not replaced as a whole: %s", js(got.BillingAddress))
	}
	if got.ShippingAddress == nil || !bool(got.ShippingAddress.SameAsBilling) ||
		got.Currency != "CHF" || *got.VatNumber != "DE1" || *got.Phone != "1" || *got.BillingEmail != "c@x.example" ||
		got.InvoicingEntityId != "ive_other" || got.Name != "Acme AG" || *got.Alias != "acme-de" {
		t.Errorf("fields not applied: %s", js(got))
	}
	if !jsonEqual(*res.JSON200, got) {
		t.Errorf("response %s differs from state %s", js(*res.JSON200), js(got))
	}
	if n := srv.Patches("cus_acme"); n != 2 {
		t.Errorf("Patches = %d, want 2", n)
	}
	// An empty body changes nothing but is still an applied PATCH.
	if res := patchRaw(t, c, "cus_acme", `{}`); res.JSON200 == nil || !jsonEqual(*res.JSON200, got) {
		t.Errorf("empty PATCH: %d %s", res.StatusCode(), res.Body)
	}
}

func TestPatchAlias(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded(), meteroidapi.Customer{Id: "cus_other", Name: "Other", Alias: ptr("other")}))
	c := client(t, srv, srv.APIKey)

	// Conflicts: another customer's alias, another customer's id. The spec
	// declares no 409, so the fake answers 400 CONFLICT.
	for _, a := range []string{"other", "cus_other"} {
		res := patchRaw(t, c, "acme-de", `{"alias":"`+a+`","name":"changed"}`)
		wantError(t, res.StatusCode(), res.JSON400, 400, meteroidapi.ErrorCodeConflict, a)
	}
	if got, _ := srv.Customer("cus_acme"); got.Name != "Acme GmbH" || srv.Patches("cus_acme") != 0 {
		t.Fatalf("refused PATCH changed state: %s", js(got))
	}
	// Setting its own alias again is no conflict.
	if res := patchRaw(t, c, "acme-de", `{"alias":"acme-de"}`); res.JSON200 == nil {
		t.Fatalf("same alias: %d %s", res.StatusCode(), res.Body)
	}
	// Renaming the alias: the old one stops resolving, the new one works.
	if res := patchRaw(t, c, "acme-de", `{"alias":"acme-new"}`); res.JSON200 == nil || *res.JSON200.Alias != "acme-new" {
		t.Fatalf("rename: %d %s", res.StatusCode(), res.Body)
	}
	if _, ok := srv.Customer("acme-de"); ok {
		t.Error("old alias still resolves")
	}
	if n := srv.Patches("acme-new"); n != 2 {
		t.Errorf("Patches(new alias) = %d, want 2", n)
	}
	res := patchRaw(t, c, "acme-de", `{"name":"x"}`)
	wantError(t, res.StatusCode(), res.JSON404, 404, meteroidapi.ErrorCodeNotFound, "acme-de")
	// The freed alias can be taken by another customer.
	if res := patchRaw(t, c, "other", `{"alias":"acme-de"}`); res.JSON200 == nil {
		t.Fatalf("reuse freed alias: %d %s", res.StatusCode(), res.Body)
	}
}

func TestInvalidRequests(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()))
	c := client(t, srv, srv.APIKey)
	for _, tc := range []struct{ body, field string }{
		{`{"currency":"EURO"}`, "currency"},
		{`{"name":5}`, "name"},
		{`{"name":null}`, "name"},
		{`{"custom_taxes":[{"name":"VAT"}]}`, "custom_taxes"},
		{`{"billing_address":{"country":"Germany"}}`, "billing_address/country"},
		{`{"shipping_address":{}}`, "same_as_billing"},
		{`{"name":`, "body"},
	} {
		res := patchRaw(t, c, "cus_acme", tc.body)
		wantError(t, res.StatusCode(), res.JSON400, 400, meteroidapi.ErrorCodeBadRequest, tc.field)
	}
	if srv.Patches("cus_acme") != 0 {
		t.Error("an invalid PATCH was applied")
	}
}

func TestAuth(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()), WithAPIKey("pv_sand_right"))
	ctx := context.Background()
	for _, key := range []string{"", "pv_sand_wrong"} {
		c := client(t, srv, key)
		g, err := c.GetCustomerWithResponse(ctx, "cus_acme")
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, g.StatusCode(), g.JSON401, 401, meteroidapi.ErrorCodeUnauthorized, "API key")
		p := patchRaw(t, c, "cus_acme", `{"name":"x"}`)
		wantError(t, p.StatusCode(), p.JSON401, 401, meteroidapi.ErrorCodeUnauthorized, "API key")
	}
	// Credentials are checked before the body: an invalid body without a key is a 401.
	p := patchRaw(t, client(t, srv, ""), "cus_acme", `{"name":5}`)
	wantError(t, p.StatusCode(), p.JSON401, 401, meteroidapi.ErrorCodeUnauthorized, "API key")
	if srv.Patches("cus_acme") != 0 {
		t.Error("unauthorized PATCH was applied")
	}
	// The scheme name is case-insensitive.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/customers/cus_acme", nil)
	req.Header.Set("Authorization", "bearer pv_sand_right")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("lower-case scheme: %d", resp.StatusCode)
	}
}

func TestSeed(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(meteroidapi.Customer{Name: "no id"}), WithGeneratedCustomers(3))
	if !strings.HasPrefix(srv.APIKey, "pv_sand_") || len(srv.APIKey) < 20 {
		t.Errorf("APIKey = %q", srv.APIKey)
	}
	cs := srv.Customers()
	if len(cs) != 4 {
		t.Fatalf("%d customers", len(cs))
	}
	if !regexp.MustCompile(`^cus_[0-9A-Za-z]{22}$`).MatchString(cs[0].Id) || cs[0].Currency != "EUR" || cs[0].CustomTaxes == nil {
		t.Errorf("generated id/defaults: %s", js(cs[0]))
	}
	for i, c := range cs[1:] {
		if c.Id != "cus_"+string(rune('0'+i)) || *c.Alias != "alias-"+string(rune('0'+i)) || c.InvoicingEntityId != "ive_default" {
			t.Errorf("generated customer %d: %s", i, js(c))
		}
	}
	// The first customer (all defaults) must also validate on the wire.
	if res, err := client(t, srv, srv.APIKey).GetCustomerWithResponse(context.Background(), cs[0].Id); err != nil || res.JSON200 == nil {
		t.Fatalf("GET generated: %v", err)
	}
	// Copies: changing what the inspection returned does not change the store.
	cs[1].InvoicingEmails = append(cs[1].InvoicingEmails, "x")
	*cs[1].Alias = "mutated"
	if c, _ := srv.Customer("cus_0"); len(c.InvoicingEmails) != 0 || *c.Alias != "alias-0" {
		t.Error("inspection returned shared memory")
	}
	if _, err := Start(WithGeneratedCustomers(1), WithGeneratedCustomers(1)); err == nil {
		t.Error("duplicate seed ids accepted")
	}
	if _, err := Start(WithCustomers(meteroidapi.Customer{Alias: ptr("a")}, meteroidapi.Customer{Alias: ptr("a")})); err == nil {
		t.Error("duplicate seed aliases accepted")
	}
}

func TestStatusFaults(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()),
		WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status500, fault.Status500, fault.Status502, fault.Status503, fault.Status504}}))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	g, err := c.GetCustomerWithResponse(ctx, "cus_acme")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, g.StatusCode(), g.JSON500, 500, meteroidapi.ErrorCodeInternalServerError, "")
	p := patchRaw(t, c, "cus_acme", `{"name":"x"}`)
	wantError(t, p.StatusCode(), p.JSON500, 500, meteroidapi.ErrorCodeInternalServerError, "")
	for _, status := range []int{502, 503, 504} {
		p := patchRaw(t, c, "cus_acme", `{"name":"x"}`)
		// Undeclared statuses are not decoded by the generated client.
		var e meteroidapi.Error
		if err := json.Unmarshal(p.Body, &e); err != nil {
			t.Fatalf("%d body %q: %v", status, p.Body, err)
		}
		wantError(t, p.StatusCode(), &e, status, meteroidapi.ErrorCodeInternalServerError, "")
		if p.HTTPResponse.Header.Get(fault.Header) == "" {
			t.Errorf("%d: fault header missing", status)
		}
	}
	if srv.Patches("cus_acme") != 0 {
		t.Error("a faulted PATCH was applied")
	}
}

func TestTooManyRequests(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()),
		WithFaults(fault.Config{Sequence: []fault.Kind{fault.TooMany, fault.TooManyAfter}, RetryAfter: 2 * time.Second}))
	c := client(t, srv, srv.APIKey)
	g, err := c.GetCustomerWithResponse(context.Background(), "cus_acme")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, g.StatusCode(), g.JSON429, 429, meteroidapi.ErrorCodeTooManyRequests, "")
	if ra := g.HTTPResponse.Header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After = %q, want none", ra)
	}
	p := patchRaw(t, c, "cus_acme", `{"name":"x"}`)
	wantError(t, p.StatusCode(), p.JSON429, 429, meteroidapi.ErrorCodeTooManyRequests, "")
	if ra := p.HTTPResponse.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After = %q, want 2", ra)
	}
	if srv.Patches("cus_acme") != 0 {
		t.Error("a 429 PATCH was applied")
	}
}

func TestRateLimitPerKey(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()), WithFaults(fault.Config{
		RateLimit:  &fault.Limit{Requests: 1, Per: time.Hour, Burst: 2},
		RetryAfter: time.Second,
	}))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	for i := range 2 {
		if g, err := c.GetCustomerWithResponse(ctx, "cus_acme"); err != nil || g.StatusCode() != 200 {
			t.Fatalf("request %d within burst: %v", i, err)
		}
	}
	g, err := c.GetCustomerWithResponse(ctx, "cus_acme")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, g.StatusCode(), g.JSON429, 429, meteroidapi.ErrorCodeTooManyRequests, "")
	if g.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Error("rate-limited answer without Retry-After")
	}
	// Another credential has a bucket of its own: it is not rate limited,
	// it reaches the credential check (and fails it).
	g, err = client(t, srv, "pv_sand_other").GetCustomerWithResponse(ctx, "cus_acme")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, g.StatusCode(), g.JSON401, 401, meteroidapi.ErrorCodeUnauthorized, "")
	if n := srv.Faults.Counts()[fault.RateLimited]; n != 1 {
		t.Errorf("RateLimited count = %d, want 1", n)
	}
}

func TestDrops(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()),
		WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropBefore, fault.DropAfter}}))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	// PATCH, not GET: net/http may transparently resend an idempotent GET on
	// a dropped connection.
	body := meteroidapi.CustomerPatch{Name: ptr("dropped before")}
	if _, err := c.PatchCustomerWithResponse(ctx, "cus_acme", body); err == nil {
		t.Fatal("DropBefore: no client error")
	}
	if got, _ := srv.Customer("cus_acme"); got.Name != "Acme GmbH" || srv.Patches("cus_acme") != 0 {
		t.Fatalf("DropBefore changed state: %s", js(got))
	}
	body.Name = ptr("dropped after")
	if _, err := c.PatchCustomerWithResponse(ctx, "cus_acme", body); err == nil {
		t.Fatal("DropAfter: no client error")
	}
	if got, _ := srv.Customer("cus_acme"); got.Name != "dropped after" || srv.Patches("cus_acme") != 1 {
		t.Fatalf("DropAfter did not change state: %s", js(got))
	}
	// The embedded spec (GetSpec) names the operation "PatchCustomer":
	// oapi-codegen capitalises operationIds ("patchCustomer" in the YAML).
	if srv.Count("PatchCustomer", 0) != 2 {
		t.Errorf("recorded %v", srv.Requests())
	}
}

func TestSlowTruncatedHTMLLatency(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded()), WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.Slow, fault.TruncatedJSON, fault.HTMLErrorPage},
		SlowBody: 30 * time.Millisecond,
		Latency:  10 * time.Millisecond,
	}))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()

	start := time.Now()
	p := patchRaw(t, c, "cus_acme", `{"name":"slow"}`)
	if p.JSON200 == nil || p.JSON200.Name != "slow" {
		t.Fatalf("Slow: %d %s", p.StatusCode(), p.Body)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("Slow+latency took %s, want >= 40ms", d)
	}

	// TruncatedJSON: the handler acted, the client cannot decode the answer.
	_, err := c.PatchCustomerWithResponse(ctx, "cus_acme", meteroidapi.CustomerPatch{Name: ptr("truncated")})
	if err == nil {
		t.Fatal("TruncatedJSON: no decode error")
	}
	if got, _ := srv.Customer("cus_acme"); got.Name != "truncated" {
		t.Errorf("TruncatedJSON: state %q", got.Name)
	}

	// HTMLErrorPage: a proxy's 502 page; the handler did not act.
	p, err = c.PatchCustomerWithResponse(ctx, "cus_acme", meteroidapi.CustomerPatch{Name: ptr("html")})
	if err != nil {
		t.Fatal(err)
	}
	if p.StatusCode() != 502 || !strings.HasPrefix(p.ContentType(), "text/html") || !strings.Contains(string(p.Body), "Bad Gateway") {
		t.Errorf("HTML: %d %s %q", p.StatusCode(), p.ContentType(), p.Body)
	}
	if got, _ := srv.Customer("cus_acme"); got.Name != "truncated" || srv.Patches("cus_acme") != 2 {
		t.Errorf("HTMLErrorPage changed state: %s", js(got))
	}

	// Latency alone, on a plain request.
	start = time.Now()
	if g, err := c.GetCustomerWithResponse(ctx, "cus_acme"); err != nil || g.JSON200 == nil {
		t.Fatalf("GET: %v", err)
	}
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Errorf("latency: took %s, want >= 10ms", d)
	}
}

// TestSpecCoverage runs a representative scenario and reports which of the
// spec's operations and declared statuses the fake produced.
func TestSpecCoverage(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(seeded(), meteroidapi.Customer{Id: "cus_b", Name: "B", Alias: ptr("b")}),
		WithFaults(fault.Config{Sequence: append([]fault.Kind{fault.None, fault.TooMany, fault.Status500, fault.TooMany, fault.Status500,
			fault.Status502, fault.Status503, fault.Status504, fault.Status502, fault.Status503, fault.Status504,
			// list, create, archive and unarchive: 429, 500, 502, 503, 504 each
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			// updateCustomer: 429, 500, 502, 503, 504
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504}, append(coverageFaults(),
			// ingest, customer usage, subscription usage, summary: the same five each
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504,
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504)...)}),
		WithSubscriptions(map[string]string{"sub_1": "b"}))
	c := client(t, srv, srv.APIKey)
	bad := client(t, srv, "pv_sand_wrong")
	ctx := context.Background()
	_, _ = c.GetCustomerWithResponse(ctx, "acme-de")  // 200
	_, _ = c.GetCustomerWithResponse(ctx, "cus_acme") // 429
	_, _ = c.GetCustomerWithResponse(ctx, "cus_acme") // 500
	patchRaw(t, c, "cus_acme", `{"name":"x"}`)        // 429
	patchRaw(t, c, "cus_acme", `{"name":"x"}`)        // 500
	for range 3 {
		_, _ = c.GetCustomerWithResponse(ctx, "cus_acme") // 502, 503, 504
	}
	for range 3 {
		patchRaw(t, c, "cus_acme", `{"name":"x"}`) // 502, 503, 504
	}
	for range 5 {
		_, _ = c.ListCustomersWithResponse(ctx, nil) // 429, 500, 502, 503, 504
	}
	for range 5 { // 429, 500, 502, 503, 504
		postRaw(t, c, "application/json", `{"name":"x","currency":"EUR","invoicing_emails":[],"custom_taxes":[]}`)
	}
	for range 5 {
		_, _ = c.ArchiveCustomerWithResponse(ctx, "b") // 429, 500, 502, 503, 504
	}
	for range 5 {
		_, _ = c.UnarchiveCustomerWithResponse(ctx, "b") // 429, 500, 502, 503, 504
	}
	put := func(c *meteroidapi.ClientWithResponses, idOrAlias, contentType, body string) {
		if _, err := c.UpdateCustomerWithBodyWithResponse(ctx, idOrAlias, contentType, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	const replacement = `{"name":"B","alias":"b","currency":"EUR","invoicing_emails":[],"invoicing_entity_id":"ive_default","custom_taxes":[]}`
	for range 5 {
		put(c, "b", "application/json", replacement) // 429, 500, 502, 503, 504
	}
	raw := rawCaller(t, srv)
	for _, op := range coverageOps { // 429, 500, 502, 503, 504 each
		for range 5 {
			raw(op.faulted)
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	event := func(id, customer string) string {
		return `{"event_id":"` + id + `","customer_id":"` + customer + `","code":"api_calls","timestamp":"` + now + `"}`
	}
	ingest := func(c *meteroidapi.ClientWithResponses, contentType, body string) {
		t.Helper()
		if _, err := c.IngestEventsWithBodyWithResponse(ctx, contentType, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	days := "start_date=" + time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly) + "&end_date=" + time.Now().UTC().Format(time.DateOnly)
	for range 5 { // 429, 500, 502, 503, 504
		ingest(c, "application/json", `{"events":[`+event("e0", "b")+`]}`)
	}
	for _, path := range []string{"/api/v1/usage/customer/b?" + days, "/api/v1/usage/subscription/sub_1", "/api/v1/usage/summary?" + days} {
		for range 5 { // 429, 500, 502, 503, 504
			getRaw(t, srv.URL+path, srv.APIKey)
		}
	}
	ingest(c, "application/json", `{"events":[`+event("e1", "b")+`,`+event("e2", "nobody")+`],"allow_partial_failures":true}`)                                                      // 200, one failure
	ingest(c, "application/json", `{"events":[`+event("e3", "b")+`,`+event("e4", "nobody")+`]}`)                                                                                    // 400: the batch refused
	ingest(bad, "application/json", `{"events":[`+event("e5", "b")+`]}`)                                                                                                            // 401
	ingest(c, "application/json", `{"events":[{"event_id":"big","customer_id":"b","code":"x","timestamp":"`+now+`","properties":{"p":"`+strings.Repeat("x", MaxIngestBody)+`"}}]}`) // 413
	ingest(c, "text/plain", `{"events":[]}`)                                                                                                                                        // 415
	ingest(c, "application/json", `[]`)                                                                                                                                             // 422
	if n := srv.UniqueEvents(); n != 1 {
		t.Errorf("%d events, want 1 (e1: e0 met only faults before acting)", n)
	}
	getRaw(t, srv.URL+"/api/v1/usage/customer/b?"+days, srv.APIKey)                   // 200
	getRaw(t, srv.URL+"/api/v1/usage/customer/b?start_date=x&end_date=y", srv.APIKey) // 400
	getRaw(t, srv.URL+"/api/v1/usage/customer/b?"+days, "pv_sand_wrong")              // 401
	getRaw(t, srv.URL+"/api/v1/usage/customer/nobody?"+days, srv.APIKey)              // 404
	getRaw(t, srv.URL+"/api/v1/usage/subscription/sub_1", srv.APIKey)                 // 200
	getRaw(t, srv.URL+"/api/v1/usage/subscription/sub_1?start_date=x", srv.APIKey)    // 400
	getRaw(t, srv.URL+"/api/v1/usage/subscription/sub_1", "pv_sand_wrong")            // 401
	getRaw(t, srv.URL+"/api/v1/usage/subscription/sub_2", srv.APIKey)                 // 404
	getRaw(t, srv.URL+"/api/v1/usage/summary?"+days, srv.APIKey)                      // 200
	getRaw(t, srv.URL+"/api/v1/usage/summary", srv.APIKey)                            // 400: no period
	getRaw(t, srv.URL+"/api/v1/usage/summary?"+days, "pv_sand_wrong")                 // 401
	_, _ = c.GetCustomerWithResponse(ctx, "nobody")                                   // 404
	_, _ = bad.GetCustomerWithResponse(ctx, "cus_acme")                               // 401
	patchRaw(t, c, "cus_acme", `{"name":"Acme AG"}`)                                  // 200
	patchRaw(t, c, "cus_acme", `{"currency":"EURO"}`)                                 // 400 BAD_REQUEST
	patchRaw(t, c, "cus_acme", `{"alias":"b"}`)                                       // 400 CONFLICT
	patchRaw(t, c, "nobody", `{"name":"x"}`)                                          // 404
	patchRaw(t, bad, "cus_acme", `{"name":"x"}`)                                      // 401
	patchRaw(t, c, "cus_acme", `["name"]`)                                            // 422 text/plain (the extractor)
	if _, err := c.PatchCustomerWithBodyWithResponse(ctx, "cus_acme", "text/plain", strings.NewReader(`{}`)); err != nil {
		t.Fatal(err) // 415 text/plain (the extractor)
	}

	// The list, create, archive and unarchive operations, each with the injected
	// statuses first (429, 500, 502, 503, 504), then its own answers.
	_, _ = c.ListCustomersWithResponse(ctx, &meteroidapi.ListCustomersParams{PerPage: ptr(int32(1))})                        // 200
	_, _ = c.ListCustomersWithResponse(ctx, &meteroidapi.ListCustomersParams{PerPage: ptr(int32(101))})                      // 400
	_, _ = bad.ListCustomersWithResponse(ctx, nil)                                                                           // 401
	postRaw(t, c, "application/json", `{"name":"N","alias":"new","currency":"EUR","invoicing_emails":[],"custom_taxes":[]}`) // 201
	postRaw(t, c, "application/json", `{"name":"N","alias":"new","currency":"EUR","invoicing_emails":[],"custom_taxes":[]}`) // 409
	postRaw(t, c, "application/json", `{"name":"N","currency":"EUR","invoicing_emails":[],"custom_taxes":[],"phone":7}`)     // 400
	postRaw(t, c, "application/json", `"name"`)                                                                              // 422
	postRaw(t, c, "text/plain", `{}`)                                                                                        // 415
	postRaw(t, bad, "application/json", `{}`)                                                                                // 401
	_, _ = c.ArchiveCustomerWithResponse(ctx, "b")                                                                           // 204
	_, _ = c.ArchiveCustomerWithResponse(ctx, "nobody")                                                                      // 404
	_, _ = bad.ArchiveCustomerWithResponse(ctx, "b")                                                                         // 401
	_, _ = c.UnarchiveCustomerWithResponse(ctx, "b")                                                                         // 204
	_, _ = c.UnarchiveCustomerWithResponse(ctx, "b")                                                                         // 204 (not archived: as upstream)
	_, _ = c.UnarchiveCustomerWithResponse(ctx, "nobody")                                                                    // 404
	_, _ = bad.UnarchiveCustomerWithResponse(ctx, "b")                                                                       // 401
	put(c, "b", "application/json", replacement)                                                                             // 200
	put(c, "b", "application/json", strings.Replace(replacement, `"alias":"b"`, `"alias":"acme-de"`, 1))                     // 400 CONFLICT
	put(c, "nobody", "application/json", replacement)                                                                        // 404
	put(bad, "b", "application/json", replacement)                                                                           // 401
	put(c, "b", "application/json", `["name"]`)                                                                              // 422
	put(c, "b", "text/plain", replacement)                                                                                   // 415

	for _, op := range coverageOps {
		for _, call := range op.own {
			raw(call)
		}
	}

	cov := srv.Coverage()
	t.Logf("spec coverage: %s", cov)
	if cov.OperationsSeen != cov.Operations || len(cov.Missing) > 0 {
		t.Errorf("not every declared operation/status was produced: %v", cov.Missing)
	}
}

// rawCall is one request of the coverage scenario: bad sends a wrong API
// key; "{sub}" and "{inv}" in the path stand for the first subscription's
// and invoice's ids.
type rawCall struct {
	bad                    bool
	method, path, ct, body string
}

// coverageOps are the operations added since 3.0.0: per operation a call
// that the injected faults answer (429, 500, 502, 503, 504, in the order of
// coverageFaults), then the calls that produce the operation's own answers.
var coverageOps = []struct {
	op      string
	faulted rawCall
	own     []rawCall
}{
	{"listSubscriptions", rawCall{method: "GET", path: "/api/v1/subscriptions"}, []rawCall{
		{method: "GET", path: "/api/v1/subscriptions?order_by=created_at.asc&statuses=ACTIVE&per_page=10"}, // 200
		{method: "GET", path: "/api/v1/subscriptions?per_page=0"},                                          // 400
		{bad: true, method: "GET", path: "/api/v1/subscriptions"},                                          // 401
	}},
	{"createSubscription", rawCall{method: "POST", path: "/api/v1/subscriptions", ct: "application/json", body: subscriptionBody}, []rawCall{
		{method: "POST", path: "/api/v1/subscriptions", ct: "application/json", body: subscriptionBody},                                               // 201
		{method: "POST", path: "/api/v1/subscriptions", ct: "application/json", body: strings.Replace(subscriptionBody, PlanStarter, "plan_none", 1)}, // 400
		{bad: true, method: "POST", path: "/api/v1/subscriptions", ct: "application/json", body: subscriptionBody},                                    // 401
		{method: "POST", path: "/api/v1/subscriptions", ct: "text/plain", body: subscriptionBody},                                                     // 415
		{method: "POST", path: "/api/v1/subscriptions", ct: "application/json", body: `[1]`},                                                          // 422
	}},
	{"subscriptionDetails", rawCall{method: "GET", path: "/api/v1/subscriptions/sub_x"}, []rawCall{
		{method: "GET", path: "/api/v1/subscriptions/{sub}"},            // 200
		{method: "GET", path: "/api/v1/subscriptions/sub_none"},         // 404
		{bad: true, method: "GET", path: "/api/v1/subscriptions/{sub}"}, // 401
	}},
	{"updateSubscription", rawCall{method: "PATCH", path: "/api/v1/subscriptions/sub_x", ct: "application/json", body: `{"net_terms":30}`}, []rawCall{
		{method: "PATCH", path: "/api/v1/subscriptions/{sub}", ct: "application/json", body: `{"net_terms":30}`},            // 200
		{method: "PATCH", path: "/api/v1/subscriptions/{sub}", ct: "application/json", body: `{"net_terms":-1}`},            // 400
		{method: "PATCH", path: "/api/v1/subscriptions/sub_none", ct: "application/json", body: `{"net_terms":30}`},         // 404
		{bad: true, method: "PATCH", path: "/api/v1/subscriptions/{sub}", ct: "application/json", body: `{"net_terms":30}`}, // 401
		{method: "PATCH", path: "/api/v1/subscriptions/{sub}", ct: "text/plain", body: `{}`},                                // 415
		{method: "PATCH", path: "/api/v1/subscriptions/{sub}", ct: "application/json", body: `"x"`},                         // 422
	}},
	{"cancelSubscription", rawCall{method: "POST", path: "/api/v1/subscriptions/sub_x/cancel", ct: "application/json", body: `{}`}, []rawCall{
		{method: "POST", path: "/api/v1/subscriptions/{sub}/cancel", ct: "application/json", body: `{"reason":"churn"}`},        // 200
		{method: "POST", path: "/api/v1/subscriptions/{sub}/cancel", ct: "application/json", body: `{"effective_date":"soon"}`}, // 400
		{method: "POST", path: "/api/v1/subscriptions/sub_none/cancel", ct: "application/json", body: `{}`},                     // 404
		{bad: true, method: "POST", path: "/api/v1/subscriptions/{sub}/cancel", ct: "application/json", body: `{}`},             // 401
		{method: "POST", path: "/api/v1/subscriptions/{sub}/cancel", ct: "text/plain", body: `{}`},                              // 415
		{method: "POST", path: "/api/v1/subscriptions/{sub}/cancel", ct: "application/json", body: `[]`},                        // 422
	}},
	{"listInvoices", rawCall{method: "GET", path: "/api/v1/invoices"}, []rawCall{
		{method: "GET", path: "/api/v1/invoices?customer_id=acme-de&statuses=FINALIZED&order_by=invoice_date.asc"}, // 200
		{method: "GET", path: "/api/v1/invoices?per_page=500"},                                                     // 400
		{bad: true, method: "GET", path: "/api/v1/invoices"},                                                       // 401
	}},
	{"getInvoiceById", rawCall{method: "GET", path: "/api/v1/invoices/inv_x"}, []rawCall{
		{method: "GET", path: "/api/v1/invoices/{inv}"},            // 200
		{method: "GET", path: "/api/v1/invoices/inv_none"},         // 404
		{bad: true, method: "GET", path: "/api/v1/invoices/{inv}"}, // 401
	}},
	{"downloadInvoicePdf", rawCall{method: "GET", path: "/api/v1/invoices/inv_x/download"}, []rawCall{
		{method: "GET", path: "/api/v1/invoices/{inv}/download"},            // 200
		{method: "GET", path: "/api/v1/invoices/inv_none/download"},         // 404
		{bad: true, method: "GET", path: "/api/v1/invoices/{inv}/download"}, // 401
	}},
	{"listPlans", rawCall{method: "GET", path: "/api/v1/plans"}, []rawCall{
		{method: "GET", path: "/api/v1/plans?status=ACTIVE&plan_type=STANDARD&order_by=name.asc&search=start"}, // 200
		{method: "GET", path: "/api/v1/plans?order_by=price.asc"},                                              // 400
		{bad: true, method: "GET", path: "/api/v1/plans"},                                                      // 401
	}},
	{"getPlanDetails", rawCall{method: "GET", path: "/api/v1/plans/plan_x"}, []rawCall{
		{method: "GET", path: "/api/v1/plans/" + PlanStarter + "?version=1"},            // 200
		{method: "GET", path: "/api/v1/plans/plan_none"},                                // 404
		{bad: true, method: "GET", path: "/api/v1/plans/" + PlanStarter + "?version=1"}, // 401
	}},
	{"listPlanVersions", rawCall{method: "GET", path: "/api/v1/plans/plan_x/versions"}, []rawCall{
		{method: "GET", path: "/api/v1/plans/" + PlanStarter + "/versions"},            // 200
		{method: "GET", path: "/api/v1/plans/plan_none/versions"},                      // 404
		{bad: true, method: "GET", path: "/api/v1/plans/" + PlanStarter + "/versions"}, // 401
	}},
	{"listProducts", rawCall{method: "GET", path: "/api/v1/products"}, []rawCall{
		{method: "GET", path: "/api/v1/products?search=plat&order_by=created_at.desc"}, // 200
		{method: "GET", path: "/api/v1/products?per_page=0"},                           // 400
		{bad: true, method: "GET", path: "/api/v1/products"},                           // 401
	}},
	{"getProduct", rawCall{method: "GET", path: "/api/v1/products/prd_x"}, []rawCall{
		{method: "GET", path: "/api/v1/products/" + ProductPlatform + ""},            // 200
		{method: "GET", path: "/api/v1/products/prd_none"},                           // 404
		{bad: true, method: "GET", path: "/api/v1/products/" + ProductPlatform + ""}, // 401
	}},
	{"listMetrics", rawCall{method: "GET", path: "/api/v1/metrics"}, []rawCall{
		{method: "GET", path: "/api/v1/metrics?search=api_call&order_by=code.asc"}, // 200
		{method: "GET", path: "/api/v1/metrics?page=-1"},                           // 400
		{bad: true, method: "GET", path: "/api/v1/metrics"},                        // 401
	}},
	{"getMetric", rawCall{method: "GET", path: "/api/v1/metrics/bm_x"}, []rawCall{
		{method: "GET", path: "/api/v1/metrics/" + MetricAPICalls + ""},            // 200
		{method: "GET", path: "/api/v1/metrics/bm_none"},                           // 404
		{bad: true, method: "GET", path: "/api/v1/metrics/" + MetricAPICalls + ""}, // 401
	}},
}

const subscriptionBody = `{"plan_id":"` + PlanStarter + `","customer_id_or_alias":"acme-de","start_date":"2026-01-01","activation_condition":"ON_START"}`

// coverageFaults are the injected faults of coverageOps' faulted calls.
func coverageFaults() []fault.Kind {
	var out []fault.Kind
	for range coverageOps {
		out = append(out, fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504)
	}
	return out
}

// rawCaller sends one rawCall to srv.
func rawCaller(t *testing.T, srv *Server) func(rawCall) {
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	return func(c rawCall) {
		t.Helper()
		path := c.path
		if subs := srv.Subscriptions(); len(subs) > 0 {
			path = strings.ReplaceAll(path, "{sub}", subs[0].Id)
		}
		if invs := srv.Invoices(); len(invs) > 0 {
			path = strings.ReplaceAll(path, "{inv}", invs[0].Id)
		}
		req, err := http.NewRequest(c.method, srv.URL+path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		key := srv.APIKey
		if c.bad {
			key = "pv_sand_wrong"
		}
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// getRaw sends a GET with a bearer key and returns the status.
func getRaw(t *testing.T, url, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func jsonEqual(a, b any) bool { return js(a) == js(b) }

// TestSubscriptionCreatedWebhook: a subscription created through POST is
// announced as subscription.created with its ids.
func TestSubscriptionCreatedWebhook(t *testing.T) {
	got := make(chan map[string]any, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ev)
		got <- ev
	}))
	defer receiver.Close()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("meteroidtest webhook key 32 byte"))
	srv := NewTestServer(t, WithGeneratedCustomers(1), WithWebhooks(receiver.URL, secret))
	raw := rawCaller(t, srv)
	raw(rawCall{method: "POST", path: "/api/v1/subscriptions", ct: "application/json",
		body: strings.Replace(subscriptionBody, "acme-de", "alias-0", 1)})
	select {
	case ev := <-got:
		sub := srv.Subscriptions()[0]
		if ev["type"] != "subscription.created" || ev["subscription_id"] != sub.Id || ev["customer_id"] != "cus_0" || ev["plan_name"] != "Starter" {
			t.Errorf("event %v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook")
	}
}
