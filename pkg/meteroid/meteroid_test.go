package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

func TestNewCredentials(t *testing.T) {
	t.Setenv(meteroid.EnvAPIKey, "")
	t.Setenv(meteroid.EnvBaseURL, "")
	_, err := meteroid.New()
	if err == nil || !strings.Contains(err.Error(), meteroid.EnvAPIKey) {
		t.Fatalf("New without key: %v, want an error naming %s", err, meteroid.EnvAPIKey)
	}

	t.Setenv(meteroid.EnvAPIKey, "pv_sand_fromenv")
	c, err := meteroid.New()
	if err != nil {
		t.Fatalf("New with env key: %v", err)
	}
	if c.BaseURL() != meteroid.DefaultBaseURL {
		t.Errorf("BaseURL = %q, want %q", c.BaseURL(), meteroid.DefaultBaseURL)
	}

	// The environment key reaches the server as the bearer token.
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithAPIKey("pv_sand_fromenv"), meteroidtest.WithGeneratedCustomers(1))
	c, err = meteroid.New(option.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCustomer(context.Background(), "cus_0"); err != nil {
		t.Fatalf("GetCustomer with the env key: %v", err)
	}

	// Plain http off loopback is refused: the key would travel in clear.
	if _, err := meteroid.New(option.WithToken("k"), option.WithBaseURL("http://meteroid.example.com")); err == nil {
		t.Error("New accepted a plain-http base URL off loopback")
	}
}

func TestPatchCustomersHappyPath(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(5))
	c := newClient(t, srv)
	updates := []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("Zero GmbH")}},
		{IDOrAlias: "alias-1", Patch: meteroid.CustomerPatch{Currency: ptr(meteroid.CurrencyUSD), InvoicingEmails: &[]string{"a@one.example"}}},
		{IDOrAlias: "cus_2", Patch: meteroid.CustomerPatch{
			BillingAddress:  &meteroid.Address{Line1: ptr("Friedrichstraße 1"), City: ptr("Berlin"), Country: ptr("DE")},
			ShippingAddress: &meteroid.ShippingAddress{SameAsBilling: true},
			CustomTaxes:     &[]meteroid.CustomTax{{Name: "VAT", Rate: "0.19", TaxCode: "DE-VAT"}},
		}},
	}
	results := c.PatchCustomers(context.Background(), updates)
	if len(results) != len(updates) {
		t.Fatalf("%d results for %d updates", len(results), len(updates))
	}
	for i, r := range results {
		if r.Err != nil || r.Index != i || r.Status != 200 || r.Attempts != 1 {
			t.Errorf("result %d: %+v", i, r)
		}
		if want := fmt.Sprintf("cus_%d", i); r.ID != want || r.Value.Id != want {
			t.Errorf("result %d: ID %q, Value.Id %q, want %q", i, r.ID, r.Value.Id, want)
		}
	}
	if got, _ := srv.Customer("cus_0"); got.Name != "Zero GmbH" {
		t.Errorf("cus_0 name = %q", got.Name)
	}
	if got, _ := srv.Customer("cus_1"); got.Currency != meteroid.CurrencyUSD || !slices.Equal(got.InvoicingEmails, []string{"a@one.example"}) || got.Name != "Customer 1" {
		t.Errorf("cus_1 = %+v (name must be kept: PATCH changes only what it carries)", got)
	}
	if got, _ := srv.Customer("cus_2"); got.BillingAddress == nil || *got.BillingAddress.City != "Berlin" || len(got.CustomTaxes) != 1 {
		t.Errorf("cus_2 = %+v", got)
	}
	if results[2].Value.BillingAddress == nil || *results[2].Value.BillingAddress.Country != "DE" {
		t.Errorf("result value does not carry the saved customer: %+v", results[2].Value)
	}
	if req, retries := c.Counts(); req != 3 || retries != 0 {
		t.Errorf("Counts = %d, %d; want 3, 0", req, retries)
	}
}

func TestPatchAndGetCustomer(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv)
	ctx := context.Background()
	cust, err := c.PatchCustomer(ctx, "alias-0", meteroid.CustomerPatch{VatNumber: ptr("DE123456789")})
	if err != nil {
		t.Fatal(err)
	}
	if cust.Id != "cus_0" || cust.VatNumber == nil || *cust.VatNumber != "DE123456789" {
		t.Errorf("PatchCustomer = %+v", cust)
	}
	got, err := c.GetCustomer(ctx, "cus_0")
	if err != nil || got.VatNumber == nil || *got.VatNumber != "DE123456789" {
		t.Errorf("GetCustomer = %+v, %v", got, err)
	}

	_, err = c.GetCustomer(ctx, "nobody")
	var ae *billbridge.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Code != meteroid.CodeNotFound || ae.Operation != "getCustomer" || ae.Provider != "meteroid" || ae.Retryable {
		t.Errorf("GetCustomer(unknown) = %#v", err)
	}
	_, err = c.GetCustomer(ctx, "")
	var ve *billbridge.ValidationError
	if !errors.As(err, &ve) || ve.Field != "id_or_alias" {
		t.Errorf("GetCustomer(\"\") = %v, want a ValidationError on id_or_alias", err)
	}
	if _, err := c.PatchCustomer(ctx, "", meteroid.CustomerPatch{}); !errors.As(err, &ve) || ve.Field != "id_or_alias" {
		t.Errorf("PatchCustomer(\"\") = %v", err)
	}
}

// An alias with reserved URL characters, "/" included, is escaped into one
// path segment.
func TestAliasEscaping(t *testing.T) {
	weird := "acme/de?x=1&y=%2#3"
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(meteroid.Customer{Id: "cus_w", Alias: &weird, Name: "W"}))
	c := newClient(t, srv)
	cust, err := c.PatchCustomer(context.Background(), weird, meteroid.CustomerPatch{Name: ptr("Weird")})
	if err != nil || cust.Id != "cus_w" || cust.Name != "Weird" {
		t.Fatalf("PatchCustomer(%q) = %+v, %v", weird, cust, err)
	}
}

// A patch that renames the alias addressing it is sent by id, so that a
// retry after an attempt that did act still finds the customer.
func TestAliasRenameRetriesByID(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1),
		meteroidtest.WithFaults(faultSeq("", "drop-after")))
	c := newClient(t, srv)
	r := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{{IDOrAlias: "alias-0", Patch: meteroid.CustomerPatch{Alias: ptr("renamed-0")}}})[0]
	if r.Err != nil || r.ID != "cus_0" || *r.Value.Alias != "renamed-0" {
		t.Fatalf("rename: %+v", r)
	}
	if r.Attempts != 3 { // GET, PATCH dropped after acting, PATCH again
		t.Errorf("Attempts = %d, want 3", r.Attempts)
	}
	if _, ok := srv.Customer("renamed-0"); !ok {
		t.Error("the alias was not renamed")
	}
}

func TestNotFoundIsolated(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(3))
	c := newClient(t, srv)
	results := c.PatchCustomers(context.Background(), []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("A")}},
		{IDOrAlias: "cus_missing", Patch: meteroid.CustomerPatch{Name: ptr("B")}},
		{IDOrAlias: "alias-2", Patch: meteroid.CustomerPatch{Name: ptr("C")}},
	})
	var ae *billbridge.APIError
	if !errors.As(results[1].Err, &ae) || ae.Code != meteroid.CodeNotFound || ae.StatusCode != 404 || results[1].Status != 404 || results[1].Attempts != 1 {
		t.Errorf("unknown customer: %+v (%v)", results[1], results[1].Err)
	}
	if ae != nil && ae.Operation != "patchCustomer" {
		t.Errorf("Operation = %q", ae.Operation)
	}
	if !results[0].OK() || !results[2].OK() || results[2].Value.Name != "C" {
		t.Errorf("the other items must succeed: %+v / %+v", results[0], results[2])
	}
}

// Poison items fail locally with the field named, are never sent, and do
// not stop the valid items around them.
func TestPoisonItemsIsolated(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(4))
	c := newClient(t, srv)
	updates := []meteroid.CustomerUpdate{
		{IDOrAlias: "cus_0", Patch: meteroid.CustomerPatch{Name: ptr("ok 0")}},
		{IDOrAlias: "cus_1", Patch: meteroid.CustomerPatch{Currency: ptr(meteroid.Currency("EURO"))}},
		{IDOrAlias: "", Patch: meteroid.CustomerPatch{Name: ptr("no address")}},
		{IDOrAlias: "cus_2", Patch: meteroid.CustomerPatch{BillingAddress: &meteroid.Address{Country: ptr("Germany")}}},
		{IDOrAlias: "cus_3", Patch: meteroid.CustomerPatch{Name: ptr("ok 3")}},
	}
	results := c.PatchCustomers(context.Background(), updates)
	wantField := map[int]string{1: "currency", 2: "id_or_alias", 3: "billing_address/country"}
	for i, r := range results {
		field, poison := wantField[i]
		if !poison {
			if !r.OK() {
				t.Errorf("item %d: %v", i, r.Err)
			}
			continue
		}
		var ve *billbridge.ValidationError
		if !errors.As(r.Err, &ve) || ve.Index != i || ve.Field != field || r.Attempts != 0 || r.Status != 0 {
			t.Errorf("item %d: %+v (%v), want a ValidationError on %s", i, r, r.Err, field)
		}
	}
	if n := srv.Count(opPatch, 0); n != 2 {
		t.Errorf("%d PATCHes sent, want 2 (poison items must not be sent)", n)
	}
}

// Non-retryable answers are not repeated, and the key never shows.
func TestNotRetried(t *testing.T) {
	rec := &logRecorder{}
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(2))
	c := newClient(t, srv, option.WithLogger(slogger(rec)))
	ctx := context.Background()

	// 400: the fake answers CONFLICT for an alias another customer uses.
	_, err := c.PatchCustomer(ctx, "cus_0", meteroid.CustomerPatch{Alias: ptr("alias-1")})
	var ae *billbridge.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Retryable {
		t.Errorf("conflict: %v", err)
	}

	// 401: a wrong key.
	bad, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken("pv_sand_wrong-key-123"), option.WithRetryPolicy(fastRetry), option.WithLogger(slogger(rec)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.PatchCustomer(ctx, "cus_0", meteroid.CustomerPatch{Name: ptr("x")})
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Code != meteroid.CodeUnauthorized || ae.Retryable {
		t.Errorf("bad key: %v", err)
	}
	for _, secret := range []string{"pv_sand_wrong-key-123", srv.APIKey} {
		if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, ae), secret) || strings.Contains(rec.text(), secret) {
			t.Errorf("a key shows in an error or a log line")
		}
	}
	if n := srv.Count(opPatch, 0); n != 2 {
		t.Errorf("%d PATCHes, want 2 (neither 400 nor 401 is retried)", n)
	}
}

func TestPatchCustomersSeqStreams(t *testing.T) {
	const n = 200
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(n))
	var progress []billbridge.Progress
	c := newClient(t, srv, option.WithProgress(func(p billbridge.Progress) { progress = append(progress, p) }))
	seq := func(yield func(meteroid.CustomerUpdate) bool) {
		for i := range n {
			if !yield(meteroid.CustomerUpdate{IDOrAlias: fmt.Sprintf("alias-%d", i), Patch: meteroid.CustomerPatch{Phone: ptr(fmt.Sprint(i))}}) {
				return
			}
		}
	}
	i := 0
	for r := range c.PatchCustomersSeq(context.Background(), seq) {
		if r.Index != i || !r.OK() || r.ID != fmt.Sprintf("cus_%d", i) || *r.Value.Phone != fmt.Sprint(i) {
			t.Fatalf("result %d: %+v", i, r)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d results, want %d", i, n)
	}
	if last := progress[len(progress)-1]; last.Done != n || last.Failed != 0 || last.Total != -1 {
		t.Errorf("last progress = %+v", last)
	}

	// Breaking out early stops sending.
	got := 0
	for range c.PatchCustomersSeq(context.Background(), seq) {
		got++
		if got == 10 {
			break
		}
	}
	settle(srv)
	if sent := srv.Count(opPatch, 0); sent > n+10+8 {
		t.Errorf("%d PATCHes after breaking at 10 of the second run", sent-n)
	}
}

// Cancelling mid-stream stops reading the input, and leaves every item read
// with a result: done, failed with the context's error, or not sent.
func TestCancelMidBatch(t *testing.T) {
	const n = 60
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(n),
		meteroidtest.WithFaults(latency(5)))
	c := newClient(t, srv, option.WithConcurrency(3))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make([]meteroid.CustomerUpdate, n)
	for i := range updates {
		updates[i] = meteroid.CustomerUpdate{IDOrAlias: fmt.Sprintf("cus_%d", i), Patch: meteroid.CustomerPatch{Name: ptr("cancelled run")}}
	}
	var results []billbridge.Result[meteroid.Customer]
	for r := range c.PatchCustomersSeq(ctx, slices.Values(updates)) {
		results = append(results, r)
		if len(results) == 10 {
			cancel()
		}
	}
	if len(results) >= n || len(results) < 10 {
		t.Fatalf("%d results for %d items: the stream was read on after the cancel", len(results), n)
	}
	var ok, notSent, cancelled int
	for i, r := range results {
		switch {
		case r.Index != i:
			t.Fatalf("result %d has index %d", i, r.Index)
		case r.OK():
			ok++
			if got, _ := srv.Customer(r.ID); got.Name != "cancelled run" {
				t.Errorf("item %d reported done but not patched", i)
			}
		case errors.Is(r.Err, billbridge.ErrNotSent):
			notSent++
		case errors.Is(r.Err, context.Canceled):
			cancelled++
		default:
			t.Errorf("item %d: unexpected error %v", i, r.Err)
		}
	}
	t.Logf("cancel after 10: %d done, %d cancelled in flight, %d not sent", ok, cancelled, notSent)
	// The batch stopped: fewer results than items (checked above), the
	// first ten done; the rest were cancelled in flight or never sent.
	if ok < 10 || ok+cancelled+notSent != len(results) {
		t.Errorf("done %d, cancelled %d, not sent %d of %d results", ok, cancelled, notSent, len(results))
	}
}
