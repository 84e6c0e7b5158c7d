package tighttest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// --- helpers -------------------------------------------------------------

func client(t *testing.T, srv *tighttest.Server) *tightapi.ClientWithResponses {
	t.Helper()
	c, err := tightapi.NewClientWithResponses(srv.URL+"/v6", tightapi.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bearer(tok string) tightapi.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

func basic(id, secret string) tightapi.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(id, secret)
		return nil
	}
}

func grant(g tightapi.TokenRequestGrantType) tightapi.TokenRequest {
	return tightapi.TokenRequest{GrantType: &g}
}

func issue(t *testing.T, srv *tighttest.Server, body tightapi.TokenRequest) string {
	t.Helper()
	res, err := client(t, srv).CreateTokenWithFormdataBodyWithResponse(context.Background(), body, basic(srv.ClientID, srv.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("token: status %d: %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.AccessToken
}

func saveCustomers(t *testing.T, srv *tighttest.Server, tok string, items ...tightapi.CustomerInput) *tightapi.SaveCustomersResponse {
	t.Helper()
	res, err := client(t, srv).SaveCustomersWithResponse(context.Background(), tightapi.SaveCustomersRequest{Data: items}, bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func saveInvoices(t *testing.T, srv *tighttest.Server, tok string, items ...tightapi.InvoiceInput) *tightapi.SaveInvoicesResponse {
	t.Helper()
	res, err := client(t, srv).SaveInvoicesWithResponse(context.Background(), tightapi.SaveInvoicesRequest{Data: items}, bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func str(s string) *string { return &s }

func cust(name, email string) tightapi.CustomerInput {
	c := tightapi.CustomerInput{}
	if name != "" {
		c.Name = &name
	}
	if email != "" {
		c.Email = &email
	}
	return c
}

// errorOf decodes a Tight error envelope and returns its first error.
func errorOf(t *testing.T, body []byte) (typ, param string) {
	t.Helper()
	var env struct {
		Result string           `json:"result"`
		Data   json.RawMessage  `json:"data"`
		Error  []tightapi.Error `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not a Tight envelope: %v: %s", err, body)
	}
	if env.Result != "FAILURE" || string(env.Data) != "null" || len(env.Error) == 0 {
		t.Fatalf("envelope = %s", body)
	}
	e := env.Error[0]
	if e.Type != nil {
		typ = string(*e.Type)
	}
	if e.Param != nil {
		param = *e.Param
	}
	return typ, param
}

func wantError(t *testing.T, status int, body []byte, wantStatus int, wantType, wantParam string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status = %d, want %d: %s", status, wantStatus, body)
	}
	typ, param := errorOf(t, body)
	if typ != wantType || (wantParam != "" && param != wantParam) {
		t.Fatalf("error = %s/%q, want %s/%q: %s", typ, param, wantType, wantParam, body)
	}
}

func i64(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

// --- auth ----------------------------------------------------------------

func TestTokenIssuedAndAccepted(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	res, err := client(t, srv).CreateTokenWithFormdataBodyWithResponse(context.Background(), grant(tightapi.ClientCredentials), basic(srv.ClientID, srv.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	tr := res.JSON200
	if tr == nil || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 || tr.Scope == nil || *tr.Scope != "write" || tr.AccessToken == "" {
		t.Fatalf("token response %d %s", res.StatusCode(), res.Body)
	}
	if r := saveCustomers(t, srv, tr.AccessToken, cust("Acme", "")); r.StatusCode() != 200 {
		t.Fatalf("save with issued token: %d %s", r.StatusCode(), r.Body)
	}
	if r := saveCustomers(t, srv, srv.Token, cust("Acme 2", "")); r.StatusCode() != 200 {
		t.Fatalf("save with static token: %d %s", r.StatusCode(), r.Body)
	}
	if n := srv.IssuedTokens(); n != 1 {
		t.Fatalf("IssuedTokens = %d", n)
	}
}

func TestTokenClientCredentials(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithClientCredentials("id+1", "s/ecret"))
	c := client(t, srv)
	ctx := context.Background()
	res, err := c.CreateTokenWithFormdataBodyWithResponse(ctx, tightapi.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res.StatusCode(), res.Body, 401, "INVALID_TOKEN", "Authorization")
	res, err = c.CreateTokenWithFormdataBodyWithResponse(ctx, tightapi.TokenRequest{}, basic("id+1", "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res.StatusCode(), res.Body, 401, "INVALID_TOKEN", "")
	// OAuth2 clients form-encode the credentials first; both forms work.
	for _, creds := range [][2]string{{"id+1", "s/ecret"}, {"id%2B1", "s%2Fecret"}} {
		res, err = c.CreateTokenWithFormdataBodyWithResponse(ctx, grant(tightapi.ClientCredentials), basic(creds[0], creds[1]))
		if err != nil || res.StatusCode() != 200 {
			t.Fatalf("%v: %v %d %s", creds, err, res.StatusCode(), res.Body)
		}
	}
}

func TestTokenGrantTypes(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := client(t, srv)
	for _, g := range []tightapi.TokenRequestGrantType{tightapi.AuthorizationCode, tightapi.RefreshToken} {
		res, err := c.CreateTokenWithFormdataBodyWithResponse(context.Background(), grant(g), basic(srv.ClientID, srv.ClientSecret))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, res.StatusCode(), res.Body, 400, "INVALID_VALUE", "grant_type")
	}
	// A grant type outside the spec's enum is refused by request validation.
	res, err := c.CreateTokenWithFormdataBodyWithResponse(context.Background(), grant("password"), basic(srv.ClientID, srv.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res.StatusCode(), res.Body, 400, "BAD_REQUEST", "grant_type")
	if srv.IssuedTokens() != 0 {
		t.Fatal("a refused grant issued a token")
	}
}

// clock is a settable clock for expiry tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenExpiry(t *testing.T) {
	clk := &clock{now: time.Date(2025, 6, 26, 12, 0, 0, 0, time.UTC)}
	srv := tighttest.NewTestServer(t, tighttest.WithClock(clk.Now), tighttest.WithTokenLifetime(10*time.Minute))
	res, err := client(t, srv).CreateTokenWithFormdataBodyWithResponse(context.Background(), grant(tightapi.ClientCredentials), basic(srv.ClientID, srv.ClientSecret))
	if err != nil || res.JSON200 == nil || res.JSON200.ExpiresIn != 600 {
		t.Fatalf("token: %v %s", err, res.Body)
	}
	tok := res.JSON200.AccessToken
	clk.Add(9 * time.Minute)
	if r := saveCustomers(t, srv, tok, cust("A", "")); r.StatusCode() != 200 {
		t.Fatalf("before expiry: %d %s", r.StatusCode(), r.Body)
	}
	clk.Add(time.Minute)
	r := saveCustomers(t, srv, tok, cust("A", ""))
	wantError(t, r.StatusCode(), r.Body, 401, "EXPIRED_TOKEN", "Authorization")

	// ExpireTokens expires the issued tokens now, not the static one.
	tok2 := issue(t, srv, grant(tightapi.ClientCredentials))
	srv.ExpireTokens()
	r = saveCustomers(t, srv, tok2, cust("A", ""))
	wantError(t, r.StatusCode(), r.Body, 401, "EXPIRED_TOKEN", "")
	if r := saveCustomers(t, srv, srv.Token, cust("A", "")); r.StatusCode() != 200 {
		t.Fatalf("static token: %d", r.StatusCode())
	}
	if len(srv.Customers()) != 2 {
		t.Fatalf("customers = %d, want 2", len(srv.Customers()))
	}
}

func TestBearerMissingAndUnknown(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := client(t, srv)
	res, err := c.SaveInvoicesWithResponse(context.Background(), tightapi.SaveInvoicesRequest{Data: []tightapi.InvoiceInput{{}}})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res.StatusCode(), res.Body, 401, "INVALID_TOKEN", "Authorization")
	r := saveCustomers(t, srv, "nope", cust("A", ""))
	wantError(t, r.StatusCode(), r.Body, 401, "INVALID_TOKEN", "Authorization")
	if len(srv.Customers()) != 0 {
		t.Fatal("an unauthorized save was stored")
	}
}

func TestReadScopeForbidden(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	read := tightapi.Read
	tok := issue(t, srv, tightapi.TokenRequest{Scope: &read})
	r := saveCustomers(t, srv, tok, cust("A", ""))
	wantError(t, r.StatusCode(), r.Body, 403, "INVALID_TOKEN", "scope")
	ri := saveInvoices(t, srv, tok, tightapi.InvoiceInput{})
	wantError(t, ri.StatusCode(), ri.Body, 403, "INVALID_TOKEN", "scope")
}

// --- customers -----------------------------------------------------------

func TestSaveCustomersUpsert(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c1 := cust("Acme Corp", "billing@acme.com")
	c1.Address = &tightapi.CustomerAddressInput{City: str("Boston")}
	c1.CcEmails = &[]string{"cc@acme.com"}
	r := saveCustomers(t, srv, srv.Token, c1, cust("Globex", ""))
	if r.JSON200 == nil || r.JSON200.Result != tightapi.SUCCESS || len(r.JSON200.Data) != 2 {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	got := r.JSON200.Data[0]
	if got.Result != tightapi.SUCCESS || got.StatusCode != 200 || got.Data == nil || got.Data.Id != "cus_1" ||
		*got.Data.Address.CountryCode != "USA" || *got.Data.Address.City != "Boston" || (*got.Data.CcEmails)[0] != "cc@acme.com" {
		t.Fatalf("item 0 = %+v", got)
	}
	if r.JSON200.Data[1].Data.Id != "cus_2" {
		t.Fatalf("item 1 id = %s", r.JSON200.Data[1].Data.Id)
	}

	// An update changes the fields it sends and keeps the rest.
	upd := tightapi.CustomerInput{Id: str("cus_1"), Email: str("ap@acme.com")}
	r = saveCustomers(t, srv, srv.Token, upd)
	if r.JSON200 == nil {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	if d := r.JSON200.Data[0].Data; *d.Name != "Acme Corp" || *d.Email != "ap@acme.com" || *d.Address.City != "Boston" {
		t.Fatalf("updated = %+v", d)
	}
	// An unknown id is created under that id.
	unk := cust("Initech", "")
	unk.Id = str("cus_external")
	saveCustomers(t, srv, srv.Token, unk)

	all := srv.Customers()
	if len(all) != 3 || all[0].Id != "cus_1" || all[1].Id != "cus_2" || all[2].Id != "cus_external" {
		t.Fatalf("Customers() = %+v", all)
	}
	if c, ok := srv.Customer("cus_1"); !ok || *c.Email != "ap@acme.com" {
		t.Fatalf("Customer(cus_1) = %+v %v", c, ok)
	}
	if _, ok := srv.Customer("cus_9"); ok {
		t.Fatal("Customer(cus_9) found")
	}
}

func TestSaveCustomersPartialFailure(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""), cust("", "x@y.com"), cust("Bad", "not-an-email"), cust("  ", ""))
	if r.StatusCode() != 207 || r.JSON207 == nil || r.JSON207.Result != tightapi.FAILURE {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	d := r.JSON207.Data
	if len(d) != 4 || d[0].Result != tightapi.SUCCESS || d[0].StatusCode != 200 || d[0].Data == nil {
		t.Fatalf("item 0: %s", r.Body)
	}
	want := []struct{ typ, param string }{{}, {"REQUIRED", "name"}, {"INVALID_FORMAT", "email"}, {"REQUIRED", "name"}}
	for i := 1; i < 4; i++ {
		it := d[i]
		if it.Result != tightapi.FAILURE || it.StatusCode != 400 || it.Data != nil || it.Error == nil || len(*it.Error) != 1 {
			t.Fatalf("item %d: %+v", i, it)
		}
		e := (*it.Error)[0]
		if string(*e.Type) != want[i].typ || *e.Param != want[i].param {
			t.Fatalf("item %d error = %s/%s", i, *e.Type, *e.Param)
		}
	}
	if n := len(srv.Customers()); n != 1 {
		t.Fatalf("stored %d customers, want 1", n)
	}
	// All items failing is still a 207 with result FAILURE.
	r = saveCustomers(t, srv, srv.Token, cust("", ""))
	if r.StatusCode() != 207 || r.JSON207.Result != tightapi.FAILURE {
		t.Fatalf("all failed: %d %s", r.StatusCode(), r.Body)
	}
	// An update may not blank the name.
	r = saveCustomers(t, srv, srv.Token, tightapi.CustomerInput{Id: str("cus_1"), Name: str("")})
	if r.StatusCode() != 207 {
		t.Fatalf("blanking update: %d %s", r.StatusCode(), r.Body)
	}
	if c, _ := srv.Customer("cus_1"); *c.Name != "Acme" {
		t.Fatalf("a refused update changed the customer: %+v", c)
	}
}

func TestRejectWholeBatch(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithRejectWholeBatch())
	r := saveCustomers(t, srv, srv.Token, cust("Acme", ""), cust("", ""), cust("Bad", "nope"))
	if r.StatusCode() != 400 || r.JSON400 == nil {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	errs := *r.JSON400.Error
	if len(errs) != 2 || *errs[0].Param != "data/1/name" || *errs[1].Param != "data/2/email" ||
		*errs[0].Type != tightapi.REQUIRED || *errs[1].Type != tightapi.INVALIDFORMAT {
		t.Fatalf("errors: %s", r.Body)
	}
	if len(srv.Customers()) != 0 {
		t.Fatal("a refused batch saved something")
	}
	if r := saveCustomers(t, srv, srv.Token, cust("Acme", "")); r.StatusCode() != 200 {
		t.Fatalf("valid batch: %d", r.StatusCode())
	}
	ri := saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{CustomerId: str("cus_1")}, tightapi.InvoiceInput{CustomerId: str("cus_404")})
	wantError(t, ri.StatusCode(), ri.Body, 400, "INVALID_VALUE", "data/1/customerId")
	if len(srv.Invoices()) != 0 {
		t.Fatal("a refused invoice batch saved something")
	}
}

// --- invoices ------------------------------------------------------------

// documentInvoice is the document's request example, pointed at customer.
func documentInvoice(customer string) tightapi.InvoiceInput {
	pct := tightapi.PERCENT
	amt := tightapi.AMOUNT
	tru := flex.Bool(true)
	tax := &tightapi.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: &pct}
	return tightapi.InvoiceInput{
		Id:         str("inv_158998869"),
		Name:       str("June Consulting Invoice"),
		CustomerId: &customer,
		LineItems: &[]tightapi.LineItemInput{{
			Id: str("ili_28868401"), Description: str("Consulting services"), Amount: flex.Ptr(int64(10000)),
			Quantity: flex.Ptr(flex.Decimal("2.0")), Price: flex.Ptr(flex.Decimal("5000.0")), SalesTax: tax,
			GlAccountId: str("gla_38560327"),
		}},
		Discount:       &tightapi.Discount{Value: flex.Ptr(flex.Decimal("5.0")), Type: &pct, CalculateBeforeSalesTax: &tru},
		SalesTax:       tax,
		CollectionInfo: &tightapi.CollectionInfoInput{SendEmail: &tru},
		Installments: &[]tightapi.Installment{{Id: str("istl_123"), Name: str("First"), Balance: flex.Ptr(int64(10000)),
			AmountDue: &tightapi.AmountDue{Value: flex.Ptr(flex.Decimal("50.0")), Type: &amt}}},
		Recurrence: &tightapi.RecurrenceInput{UpdateType: str("FUTURE_ONLY"), Frequency: str("MONTHLY")},
	}
}

func TestInvoiceDocumentExample(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	saveCustomers(t, srv, srv.Token, cust("Abigail Adams", "abigail@tight.com"))
	r := saveInvoices(t, srv, srv.Token, documentInvoice("cus_1"))
	if r.JSON200 == nil || r.JSON200.Result != tightapi.SUCCESS {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	inv := r.JSON200.Data[0].Data
	tot := inv.Totals
	if i64(tot.Subtotal) != 10000 || i64(tot.DiscountedTotal) != 9500 || i64(tot.SalesTax) != 843 ||
		i64(tot.Total) != 10343 || i64(tot.PaidAmount) != 0 || i64(tot.Balance) != 10343 {
		t.Fatalf("totals = %s", r.Body)
	}
	if inv.Id != "inv_158998869" || *inv.Customer.Id != "cus_1" || *inv.Customer.Name != "Abigail Adams" || *inv.Customer.Email != "abigail@tight.com" {
		t.Fatalf("invoice = %s", r.Body)
	}
	li := (*inv.LineItems)[0]
	if *li.Id != "ili_28868401" || *li.GlAccount.Id != "gla_38560327" || *li.Amount != 10000 {
		t.Fatalf("line = %+v", li)
	}
	if !strings.HasSuffix(*inv.CollectionInfo.PaymentUrl, "/inv_158998869") || !bool(*inv.CollectionInfo.SendEmail) {
		t.Fatalf("collectionInfo = %+v", inv.CollectionInfo)
	}
	if strings.Contains(string(r.Body), "customerId") || strings.Contains(string(r.Body), "glAccountId") || strings.Contains(string(r.Body), "updateType") {
		t.Fatalf("request-only fields in the response: %s", r.Body)
	}

	// Updating: new lines get ids, totals follow, stored invoice matches.
	upd := tightapi.InvoiceInput{Id: str("inv_158998869"), LineItems: &[]tightapi.LineItemInput{
		{Amount: flex.Ptr(int64(20000))}, {Quantity: flex.Ptr(flex.Decimal("1")), Price: flex.Ptr(flex.Decimal("100"))},
	}, Installments: &[]tightapi.Installment{{Name: str("Second")}}}
	r = saveInvoices(t, srv, srv.Token, upd)
	if r.JSON200 == nil {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	inv = r.JSON200.Data[0].Data
	lines := *inv.LineItems
	if *lines[0].Id != "ili_1" || *lines[1].Id != "ili_2" || *(*inv.Installments)[0].Id != "istl_1" || *inv.Name != "June Consulting Invoice" {
		t.Fatalf("update: %s", r.Body)
	}
	// 20100 − 5 % = 19095; 8.875 % of it = 1694.68… → 1695.
	if i64(inv.Totals.DiscountedTotal) != 19095 || i64(inv.Totals.SalesTax) != 1695 || i64(inv.Totals.Total) != 20790 {
		t.Fatalf("update totals: %+v", *inv.Totals)
	}
	stored, ok := srv.Invoice("inv_158998869")
	if !ok || i64(stored.Totals.Total) != 20790 || len(srv.Invoices()) != 1 {
		t.Fatalf("stored = %+v", stored)
	}

	// A new invoice without id gets inv_<n>.
	r = saveInvoices(t, srv, srv.Token, tightapi.InvoiceInput{CustomerId: str("cus_1")})
	if r.JSON200 == nil || r.JSON200.Data[0].Data.Id != "inv_1" || i64(r.JSON200.Data[0].Data.Totals.Total) != 0 {
		t.Fatalf("new invoice: %s", r.Body)
	}
	if all := srv.Invoices(); len(all) != 2 || all[1].Id != "inv_1" {
		t.Fatalf("Invoices() = %+v", all)
	}
}

func TestInvoiceTotalsAfterTaxAndHalfUp(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	saveCustomers(t, srv, srv.Token, cust("A", ""))
	pct, amt := tightapi.PERCENT, tightapi.AMOUNT
	fls := flex.Bool(false)
	inv := tightapi.InvoiceInput{
		CustomerId: str("cus_1"),
		LineItems:  &[]tightapi.LineItemInput{{Amount: flex.Ptr(int64(10000))}},
		Discount:   &tightapi.Discount{Value: flex.Ptr(flex.Decimal("5")), Type: &pct, CalculateBeforeSalesTax: &fls},
		SalesTax:   &tightapi.SalesTax{Value: flex.Ptr(flex.Decimal("8.875")), Type: &pct},
	}
	// Tax on the undiscounted 10000: 887.5, a tie, rounds up to 888.
	half := tightapi.InvoiceInput{
		CustomerId: str("cus_1"),
		// 1.5 × 333 = 499.5 → 500; −1.5 × 1 = −1.5 → −2 (half away from zero).
		LineItems: &[]tightapi.LineItemInput{
			{Quantity: flex.Ptr(flex.Decimal("1.5")), Price: flex.Ptr(flex.Decimal("333"))},
			{Quantity: flex.Ptr(flex.Decimal("-1.5")), Price: flex.Ptr(flex.Decimal("1"))},
		},
		// AMOUNT is in major units: 2.50 → 250 cents.
		Discount: &tightapi.Discount{Value: flex.Ptr(flex.Decimal("2.50")), Type: &amt},
	}
	r := saveInvoices(t, srv, srv.Token, inv, half)
	if r.JSON200 == nil {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	tot := r.JSON200.Data[0].Data.Totals
	if i64(tot.Subtotal) != 10000 || i64(tot.DiscountedTotal) != 9500 || i64(tot.SalesTax) != 888 || i64(tot.Total) != 10388 || i64(tot.Balance) != 10388 {
		t.Fatalf("after-tax totals = %+v", *tot)
	}
	h := r.JSON200.Data[1].Data
	if a := *(*h.LineItems)[0].Amount; a != 500 {
		t.Fatalf("line amount = %d, want 500", a)
	}
	if a := *(*h.LineItems)[1].Amount; a != -2 {
		t.Fatalf("negative line amount = %d, want -2", a)
	}
	if i64(h.Totals.Subtotal) != 498 || i64(h.Totals.DiscountedTotal) != 248 || i64(h.Totals.Total) != 248 {
		t.Fatalf("half totals = %+v", *h.Totals)
	}
}

func TestSaveInvoicesValidation(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	saveCustomers(t, srv, srv.Token, cust("A", ""))
	r := saveInvoices(t, srv, srv.Token,
		tightapi.InvoiceInput{CustomerId: str("cus_1")},
		tightapi.InvoiceInput{Name: str("no customer")},
		tightapi.InvoiceInput{CustomerId: str("cus_404")},
	)
	if r.StatusCode() != 207 || r.JSON207.Result != tightapi.FAILURE {
		t.Fatalf("%d %s", r.StatusCode(), r.Body)
	}
	d := r.JSON207.Data
	if d[0].Result != tightapi.SUCCESS ||
		*(*d[1].Error)[0].Type != tightapi.REQUIRED || *(*d[1].Error)[0].Param != "customerId" ||
		*(*d[2].Error)[0].Type != tightapi.INVALIDVALUE || *(*d[2].Error)[0].Param != "customerId" || d[2].Data != nil {
		t.Fatalf("items: %s", r.Body)
	}
	if len(srv.Invoices()) != 1 {
		t.Fatalf("stored %d invoices", len(srv.Invoices()))
	}
}

// --- request validation and routing ---------------------------------------

func TestInvalidRequests(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := client(t, srv)
	ctx := context.Background()
	post := func(path, body string) *tightapi.SaveCustomersResponse {
		t.Helper()
		res, err := c.SaveCustomersWithBodyWithResponse(ctx, "application/json", strings.NewReader(body), bearer(srv.Token))
		if path != "/v6/customers" {
			var raw *http.Response
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+srv.Token)
			raw, err = http.DefaultClient.Do(req)
			if err == nil {
				res, err = tightapi.ParseSaveCustomersResponse(raw)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r := post("/v6/customers", `{"data":[]}`)
	wantError(t, r.StatusCode(), r.Body, 400, "BAD_REQUEST", "data")
	r = post("/v6/customers", `{"data":[{"name":42}]}`)
	wantError(t, r.StatusCode(), r.Body, 400, "BAD_REQUEST", "data/0/name")
	r = post("/v6/customers", `{"data":[`)
	wantError(t, r.StatusCode(), r.Body, 400, "JSON_ERROR", "")
	ri, err := c.SaveInvoicesWithResponse(ctx, tightapi.SaveInvoicesRequest{Data: []tightapi.InvoiceInput{{
		CustomerId: str("cus_1"), LineItems: &[]tightapi.LineItemInput{{Price: flex.Ptr(flex.Decimal("1,5"))}},
	}}}, bearer(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, ri.StatusCode(), ri.Body, 400, "BAD_REQUEST", "data/0/lineItems/0/price")
	r = post("/v6/nowhere", `{}`)
	wantError(t, r.StatusCode(), r.Body, 404, "BAD_REQUEST", "")
	if len(srv.Customers()) != 0 {
		t.Fatal("an invalid request saved something")
	}
}
