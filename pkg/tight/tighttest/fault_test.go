package tighttest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/runtime/types"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

func TestStatusFaults(t *testing.T) {
	for _, k := range []fault.Kind{fault.Status500, fault.Status502, fault.Status503, fault.Status504} {
		t.Run(string(k), func(t *testing.T) {
			srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{k}}))
			r := saveCustomers(t, srv, srv.Token, cust("Acme", ""))
			wantError(t, r.StatusCode(), r.Body, atoi(string(k)), "UNKNOWN_ERROR", "")
			if r.HTTPResponse.Header.Get(fault.Header) != string(k) {
				t.Fatalf("fault header = %q", r.HTTPResponse.Header.Get(fault.Header))
			}
			if len(srv.Customers()) != 0 {
				t.Fatal("the handler ran behind a status fault")
			}
			// The next request goes through.
			if r := saveCustomers(t, srv, srv.Token, cust("Acme", "")); r.StatusCode() != 200 {
				t.Fatalf("after the fault: %d", r.StatusCode())
			}
		})
	}
}

func atoi(s string) int {
	var n int
	_, _ = fmt.Sscan(s, &n)
	return n
}

func TestTooManyRequests(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence:   []fault.Kind{fault.TooMany, fault.TooManyAfter},
		RetryAfter: 2 * time.Second,
	}))
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""))
	wantError(t, r.StatusCode(), r.Body, 429, "UNKNOWN_ERROR", "")
	if r.JSON429 == nil || r.HTTPResponse.Header.Get("Retry-After") != "" {
		t.Fatalf("429 without Retry-After: %v %q", r.JSON429, r.HTTPResponse.Header.Get("Retry-After"))
	}
	r = saveCustomers(t, srv, srv.Token, cust("Acme", ""))
	wantError(t, r.StatusCode(), r.Body, 429, "UNKNOWN_ERROR", "")
	if got := r.HTTPResponse.Header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After = %q, want 2", got)
	}
	if len(srv.Customers()) != 0 {
		t.Fatal("a 429 was acted on")
	}
}

func TestRateLimitPerToken(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		RateLimit:  &fault.Limit{Requests: 2, Per: time.Hour},
		RetryAfter: time.Second,
	}))
	for i := 0; i < 2; i++ {
		if r := saveCustomers(t, srv, srv.Token, cust("Acme", "")); r.StatusCode() != 200 {
			t.Fatalf("request %d: %d", i, r.StatusCode())
		}
	}
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""))
	wantError(t, r.StatusCode(), r.Body, 429, "UNKNOWN_ERROR", "")
	if ra := r.HTTPResponse.Header.Get("Retry-After"); ra == "" {
		t.Fatal("rate-limited answer without Retry-After")
	}
	// Another credential has a bucket of its own: the token request (Basic)
	// and the issued token each get through.
	tok := issue(t, srv, grant(tightapi.ClientCredentials))
	if r := saveCustomers(t, srv, tok, cust("Acme", "")); r.StatusCode() != 200 {
		t.Fatalf("other token: %d %s", r.StatusCode(), r.Body)
	}
	if n := srv.Faults.Counts()[fault.RateLimited]; n != 1 {
		t.Fatalf("rate-limited %d times, want 1", n)
	}
}

func TestTightRateLimitOption(t *testing.T) {
	var cfg tighttest.Config
	tighttest.WithTightRateLimit()(&cfg)
	if cfg.Faults.RateLimit == nil || *cfg.Faults.RateLimit != fault.TightLimit {
		t.Fatalf("RateLimit = %v", cfg.Faults.RateLimit)
	}
	srv := tighttest.NewTestServer(t, tighttest.WithTightRateLimit())
	if r := saveCustomers(t, srv, srv.Token, cust("Acme", "")); r.StatusCode() != 200 {
		t.Fatalf("%d", r.StatusCode())
	}
}

func TestDropBefore(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropBefore}}))
	_, err := client(t, srv).SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{cust("Acme", "")}}, bearer(srv.Token))
	if err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if len(srv.Customers()) != 0 {
		t.Fatal("DropBefore: the handler acted")
	}
	if n := srv.Count("saveCustomers", 0); n != 1 {
		t.Fatalf("recorded %d requests", n)
	}
}

func TestDropAfter(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.DropAfter}}))
	_, err := client(t, srv).SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{cust("Acme", "")}}, bearer(srv.Token))
	if err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if c := srv.Customers(); len(c) != 1 || *c[0].Name != "Acme" {
		t.Fatalf("DropAfter: the handler did not act: %+v", c)
	}
}

func TestSlowAndLatency(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.Slow}, SlowBody: 30 * time.Millisecond, Latency: 10 * time.Millisecond,
	}))
	start := time.Now()
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""))
	if r.JSON200 == nil || r.JSON200.Data[0].Data.Id != "cus_1" {
		t.Fatalf("slow response: %d %s", r.StatusCode(), r.Body)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("slow response took %s", d)
	}
	start = time.Now()
	if r := saveCustomers(t, srv, srv.Token, cust("Acme", "")); r.StatusCode() != 200 {
		t.Fatalf("%d", r.StatusCode())
	}
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Fatalf("latency not applied: %s", d)
	}
}

func TestTruncatedJSON(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.TruncatedJSON}}))
	_, err := client(t, srv).SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: []tightapi.CustomerInput{cust("Acme", "")}}, bearer(srv.Token))
	if err == nil || !strings.Contains(err.Error(), "unexpected end of JSON") {
		t.Fatalf("err = %v", err)
	}
	// The handler acted; only the answer was cut.
	if len(srv.Customers()) != 1 {
		t.Fatal("the handler did not act")
	}
}

func TestHTMLErrorPage(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.HTMLErrorPage}}))
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""))
	if r.StatusCode() != 502 || !strings.HasPrefix(r.HTTPResponse.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "Bad Gateway") {
		t.Fatalf("%d %q %s", r.StatusCode(), r.HTTPResponse.Header.Get("Content-Type"), r.Body)
	}
}

// TestSpecCoverage runs a representative scenario and reports which of the
// spec's operations and declared statuses the fake produced.
func TestSpecCoverage(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		// Faults for the first requests, one per status the handler cannot
		// produce by itself; then the rest run clean.
		Sequence: []fault.Kind{
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // createToken
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // saveCustomers
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // saveInvoices
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // queryCustomers
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // getCustomer
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // deleteCustomer
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // queryInvoices
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // deleteInvoice
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // sendInvoice
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // savePayments
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // queryPayments
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // getPayment
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // deletePayment
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // saveItemTemplates
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // deleteItemTemplate
			fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504, // getInvoicingSetup
		},
	}))
	c := client(t, srv)
	ctx := context.Background()
	cc := grant(tightapi.ClientCredentials)
	for i := 0; i < 5; i++ {
		_, _ = c.CreateTokenWithFormdataBodyWithResponse(ctx, cc, basic(srv.ClientID, srv.ClientSecret))
	}
	for i := 0; i < 5; i++ {
		saveCustomers(t, srv, srv.Token, cust("A", ""))
	}
	for i := 0; i < 5; i++ {
		saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{CustomerId: str("cus_1")})
	}
	tok := bearer(srv.Token)
	limit := func(n int32) *int32 { return &n }
	for i := 0; i < 5; i++ {
		_, _ = c.QueryCustomersWithResponse(ctx, tightapi.CustomerQueryRequest{}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.GetCustomerWithResponse(ctx, "cus_1", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.DeleteCustomerWithResponse(ctx, "cus_nobody", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.QueryInvoicesWithResponse(ctx, tightapi.InvoiceQueryRequest{}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.DeleteInvoiceWithResponse(ctx, "inv_nobody", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.SendInvoiceWithResponse(ctx, "inv_nobody", tightapi.SendInvoiceRequest{}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.SavePaymentsWithResponse(ctx, tightapi.SavePaymentsRequest{Data: []tightapi.PaymentInput{{}}}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.QueryPaymentsWithResponse(ctx, tightapi.PaymentQueryRequest{}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.GetPaymentWithResponse(ctx, "ptxn_nobody", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.DeletePaymentWithResponse(ctx, "ptxn_nobody", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.SaveItemTemplatesWithResponse(ctx, tightapi.SaveItemTemplatesRequest{Data: []tightapi.ItemTemplateInput{{}}}, tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.DeleteItemTemplateWithResponse(ctx, "tili_nobody", tok)
	}
	for i := 0; i < 5; i++ {
		_, _ = c.GetInvoicingSetupWithResponse(ctx, tok)
	}
	// createToken: 200, 400, 401.
	issue(t, srv, cc)
	_, _ = c.CreateTokenWithFormdataBodyWithResponse(ctx, grant(tightapi.RefreshToken), basic(srv.ClientID, srv.ClientSecret))
	_, _ = c.CreateTokenWithFormdataBodyWithResponse(ctx, cc, basic("x", "y"))
	read := tightapi.Read
	readTok := issue(t, srv, tightapi.TokenRequest{Scope: &read})
	// saves: 200, 207, 400, 401, 403.
	saveCustomers(t, srv, srv.Token, cust("B", ""))
	saveCustomers(t, srv, srv.Token, cust("B", ""), cust("", ""))
	_, _ = c.SaveCustomersWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"data":[]}`), bearer(srv.Token))
	saveCustomers(t, srv, "bad", cust("B", ""))
	saveCustomers(t, srv, readTok, cust("B", ""))
	saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{CustomerId: str("cus_1")})
	saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{CustomerId: str("cus_1")}, tightapi.InvoiceInput{})
	_, _ = c.SaveInvoicesWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"data":[]}`), bearer(srv.Token))
	saveInvoices(t, srv, "bad", tightapi.InvoiceInput{})
	saveInvoices(t, srv, readTok, tightapi.InvoiceInput{})

	// reads and deletes: 200, 400, 401, 403 (writes), 404.
	saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_cov"), Name: str("Cov"), Email: str("cov@example.com")})
	saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_gone"), Name: str("Gone")})
	saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{Id: str("inv_cov"), CustomerId: str("cus_cov")})
	saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{Id: str("inv_gone"), CustomerId: str("cus_cov")})
	_, _ = c.QueryCustomersWithResponse(ctx, tightapi.CustomerQueryRequest{Limit: limit(1)}, tok)
	_, _ = c.QueryCustomersWithResponse(ctx, tightapi.CustomerQueryRequest{Limit: limit(251)}, tok)
	_, _ = c.QueryCustomersWithResponse(ctx, tightapi.CustomerQueryRequest{}, bearer("bad"))
	_, _ = c.GetCustomerWithResponse(ctx, "cus_cov", tok)
	_, _ = c.GetCustomerWithResponse(ctx, "cus_nobody", tok)
	_, _ = c.GetCustomerWithResponse(ctx, "cus_cov", bearer("bad"))
	_, _ = c.DeleteCustomerWithResponse(ctx, "cus_gone", tok)
	_, _ = c.DeleteCustomerWithResponse(ctx, "cus_gone", tok)
	_, _ = c.DeleteCustomerWithResponse(ctx, "cus_cov", bearer("bad"))
	_, _ = c.DeleteCustomerWithResponse(ctx, "cus_cov", bearer(readTok))
	_, _ = c.QueryInvoicesWithResponse(ctx, tightapi.InvoiceQueryRequest{Limit: limit(1)}, tok)
	_, _ = c.QueryInvoicesWithResponse(ctx, tightapi.InvoiceQueryRequest{Limit: limit(251)}, tok)
	_, _ = c.QueryInvoicesWithResponse(ctx, tightapi.InvoiceQueryRequest{}, bearer("bad"))
	_, _ = c.DeleteInvoiceWithResponse(ctx, "inv_gone", tok)
	_, _ = c.DeleteInvoiceWithResponse(ctx, "inv_gone", tok)
	_, _ = c.DeleteInvoiceWithResponse(ctx, "inv_cov", bearer("bad"))
	_, _ = c.DeleteInvoiceWithResponse(ctx, "inv_cov", bearer(readTok))
	_, _ = c.SendInvoiceWithResponse(ctx, "inv_cov", tightapi.SendInvoiceRequest{Type: str("QUOTE")}, tok)
	_, _ = c.SendInvoiceWithResponse(ctx, "inv_cov", tightapi.SendInvoiceRequest{Type: str("POSTCARD")}, tok)
	_, _ = c.SendInvoiceWithResponse(ctx, "inv_cov", tightapi.SendInvoiceRequest{}, bearer("bad"))
	_, _ = c.SendInvoiceWithResponse(ctx, "inv_cov", tightapi.SendInvoiceRequest{}, bearer(readTok))
	_, _ = c.SendInvoiceWithResponse(ctx, "inv_nobody", tightapi.SendInvoiceRequest{}, tok)

	// payments: 200, 207, 400, 401, 403 (writes), 404.
	amount := int64(5000)
	pay := tightapi.PaymentInput{Id: str("ptxn_cov"), Amount: &amount, Date: &types.Date{Time: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
		Children: &[]tightapi.PaymentChildInput{{Amount: &amount, InvoiceId: str("inv_cov")}}}
	gone := pay
	gone.Id = str("ptxn_gone")
	savePay := func(tok tightapi.RequestEditorFn, items ...tightapi.PaymentInput) {
		_, _ = c.SavePaymentsWithResponse(ctx, tightapi.SavePaymentsRequest{Data: items}, tok)
	}
	savePay(tok, pay, gone)
	savePay(tok, pay, tightapi.PaymentInput{})
	_, _ = c.SavePaymentsWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"data":[]}`), tok)
	savePay(bearer("bad"), pay)
	savePay(bearer(readTok), pay)
	_, _ = c.QueryPaymentsWithResponse(ctx, tightapi.PaymentQueryRequest{Limit: limit(1)}, tok)
	_, _ = c.QueryPaymentsWithResponse(ctx, tightapi.PaymentQueryRequest{Limit: limit(251)}, tok)
	_, _ = c.QueryPaymentsWithResponse(ctx, tightapi.PaymentQueryRequest{}, bearer("bad"))
	_, _ = c.GetPaymentWithResponse(ctx, "ptxn_cov", tok)
	_, _ = c.GetPaymentWithResponse(ctx, "ptxn_nobody", tok)
	_, _ = c.GetPaymentWithResponse(ctx, "ptxn_cov", bearer("bad"))
	_, _ = c.DeletePaymentWithResponse(ctx, "ptxn_gone", tok)
	_, _ = c.DeletePaymentWithResponse(ctx, "ptxn_gone", tok)
	_, _ = c.DeletePaymentWithResponse(ctx, "ptxn_cov", bearer("bad"))
	_, _ = c.DeletePaymentWithResponse(ctx, "ptxn_cov", bearer(readTok))

	// item templates and setup: 200, 207, 400, 401, 403 (writes), 404.
	tpl := tightapi.ItemTemplateInput{Id: str("tili_cov"), Name: str("Fee")}
	saveTpl := func(tok tightapi.RequestEditorFn, items ...tightapi.ItemTemplateInput) {
		_, _ = c.SaveItemTemplatesWithResponse(ctx, tightapi.SaveItemTemplatesRequest{Data: items}, tok)
	}
	saveTpl(tok, tpl)
	saveTpl(tok, tpl, tightapi.ItemTemplateInput{})
	_, _ = c.SaveItemTemplatesWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"data":[]}`), tok)
	saveTpl(bearer("bad"), tpl)
	saveTpl(bearer(readTok), tpl)
	_, _ = c.DeleteItemTemplateWithResponse(ctx, "tili_cov", tok)
	_, _ = c.DeleteItemTemplateWithResponse(ctx, "tili_cov", tok)
	_, _ = c.DeleteItemTemplateWithResponse(ctx, "tili_cov", bearer("bad"))
	_, _ = c.DeleteItemTemplateWithResponse(ctx, "tili_cov", bearer(readTok))
	_, _ = c.GetInvoicingSetupWithResponse(ctx, tok)
	_, _ = c.GetInvoicingSetupWithResponse(ctx, bearer("bad"))

	cov := srv.Coverage()
	t.Logf("coverage: %s", cov)
	if cov.OperationsSeen != cov.Operations {
		t.Errorf("operations not exercised")
	}
	// What the fake cannot produce by its semantics: the saves' 404s (saves
	// upsert, so no save refers to a missing entity); 403 on the reads (every
	// token of the fake may read); 400 on GET and DELETE (no body, and the id
	// is any non-empty string).
	cannot := map[string]bool{
		"saveCustomers 404": true, "saveInvoices 404": true,
		"getCustomer 403": true, "queryCustomers 403": true, "queryInvoices 403": true,
		"getCustomer 400": true, "deleteCustomer 400": true, "deleteInvoice 400": true,
		"savePayments 404": true, "getPayment 403": true, "queryPayments 403": true,
		"getPayment 400": true, "deletePayment 400": true,
		"deleteItemTemplate 400": true, "getInvoicingSetup 403": true,
	}
	for _, m := range cov.Missing {
		if !cannot[m] {
			t.Errorf("not produced: %s", m)
		}
	}
}
