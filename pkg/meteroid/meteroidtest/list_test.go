package meteroidtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge/gen/meteroidapi"
)

func TestListPagesInCreationOrder(t *testing.T) {
	srv := NewTestServer(t, WithGeneratedCustomers(25))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	var ids []string
	for page := int32(0); ; page++ {
		res, err := c.ListCustomersWithResponse(ctx, &meteroidapi.ListCustomersParams{OrderBy: ptr("created_at.asc"), Page: &page, PerPage: ptr(int32(10))})
		if err != nil || res.JSON200 == nil {
			t.Fatalf("page %d: %v %d", page, err, res.StatusCode())
		}
		m := res.JSON200.PaginationMeta
		if m.Page != page || m.PerPage != 10 || m.TotalItems != 25 || m.TotalPages != 3 {
			t.Fatalf("page %d: meta %+v", page, m)
		}
		if len(res.JSON200.Data) == 0 {
			break
		}
		for _, cu := range res.JSON200.Data {
			ids = append(ids, cu.Id)
		}
	}
	if len(ids) != 25 {
		t.Fatalf("%d ids, want 25", len(ids))
	}
	for i, id := range ids {
		if want := fmt.Sprintf("cus_%d", i); id != want {
			t.Fatalf("place %d: %s, want %s (created_at.asc: the seed order)", i, id, want)
		}
	}
	// Defaults: page 0, 10 per page.
	res, _ := c.ListCustomersWithResponse(ctx, nil)
	if m := res.JSON200.PaginationMeta; m.Page != 0 || m.PerPage != defaultPerPage || len(res.JSON200.Data) != defaultPerPage {
		t.Errorf("defaults: %+v, %d items", m, len(res.JSON200.Data))
	}
	// Empty: no pages.
	empty := NewTestServer(t)
	res, _ = client(t, empty, empty.APIKey).ListCustomersWithResponse(ctx, nil)
	if m := res.JSON200.PaginationMeta; m.TotalItems != 0 || m.TotalPages != 0 || res.JSON200.Data == nil || len(res.JSON200.Data) != 0 {
		t.Errorf("empty: %+v %#v", m, res.JSON200.Data)
	}
}

func TestListFilters(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(
		meteroidapi.Customer{Id: "cus_1", Name: "Acme GmbH", Alias: ptr("acme-de")},
		meteroidapi.Customer{Id: "cus_2", Name: "Globex", Alias: ptr("globex"), BillingEmail: ptr("ap@ACME.example")},
		meteroidapi.Customer{Id: "cus_3", Name: "Initech", Alias: ptr("initech")},
		meteroidapi.Customer{Id: "cus_4", Name: "Old Acme", Alias: ptr("old")},
	))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	if res, _ := c.ArchiveCustomerWithResponse(ctx, "old"); res.StatusCode() != 204 {
		t.Fatalf("archive: %d", res.StatusCode())
	}
	list := func(p *meteroidapi.ListCustomersParams) string {
		res, err := c.ListCustomersWithResponse(ctx, p)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("%v %d", err, res.StatusCode())
		}
		var ids []string
		for _, cu := range res.JSON200.Data {
			ids = append(ids, cu.Id)
		}
		return fmt.Sprint(ids, res.JSON200.PaginationMeta.TotalItems)
	}
	for _, tc := range []struct {
		p    *meteroidapi.ListCustomersParams
		want string
	}{
		{nil, "[cus_3 cus_2 cus_1] 3"},                                             // the server's default: created_at.desc, newest first
		{&meteroidapi.ListCustomersParams{Search: ptr("acme")}, "[cus_2 cus_1] 2"}, // name, billing e-mail; any case
		{&meteroidapi.ListCustomersParams{Search: ptr("INITECH")}, "[cus_3] 1"},    // alias
		{&meteroidapi.ListCustomersParams{Archived: ptr(false)}, "[cus_3 cus_2 cus_1] 3"},
		{&meteroidapi.ListCustomersParams{OrderBy: ptr("created_at.asc")}, "[cus_1 cus_2 cus_3] 3"},
		{&meteroidapi.ListCustomersParams{OrderBy: ptr("name.desc")}, "[cus_3 cus_2 cus_1] 3"},
		{&meteroidapi.ListCustomersParams{OrderBy: ptr("alias.asc")}, "[cus_1 cus_2 cus_3] 3"},
		{&meteroidapi.ListCustomersParams{OrderBy: ptr("email.desc")}, "[cus_2 cus_3 cus_1] 3"},
		{&meteroidapi.ListCustomersParams{Archived: ptr(true)}, "[cus_4] 1"},
		{&meteroidapi.ListCustomersParams{Archived: ptr(true), Search: ptr("globex")}, "[] 0"},
	} {
		if got := list(tc.p); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.p, got, tc.want)
		}
	}
	// GET still finds an archived customer.
	if res, _ := c.GetCustomerWithResponse(ctx, "old"); res.JSON200 == nil || !srv.Archived("cus_4") {
		t.Errorf("archived customer: GET %d, archived %v", res.StatusCode(), srv.Archived("cus_4"))
	}
}

func TestCreate(t *testing.T) {
	srv := NewTestServer(t, WithCustomers(meteroidapi.Customer{Id: "cus_old", Name: "Old", Alias: ptr("taken")}))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	res, err := c.CreateCustomerWithResponse(ctx, meteroidapi.CustomerCreate{
		Name: "Acme", Alias: ptr("acme"), Currency: meteroidapi.CurrencyEUR, InvoicingEmails: []string{"a@acme.example"},
		CustomTaxes:    []meteroidapi.CustomTax{{Name: "VAT", Rate: "0.19", TaxCode: "DE"}},
		BillingAddress: &meteroidapi.Address{Country: ptr("de")},
	})
	if err != nil || res.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, res.StatusCode(), res.Body)
	}
	got := *res.JSON201
	if len(got.Id) < 10 || got.Id[:4] != "cus_" || got.InvoicingEntityId != "ive_default" || *got.BillingAddress.Country != "DE" {
		t.Errorf("created %+v", got)
	}
	if stored, ok := srv.Customer("acme"); !ok || stored.Id != got.Id || srv.Created() != 1 {
		t.Errorf("stored %+v %v, created %d", stored, ok, srv.Created())
	}
	// The alias of a live, an archived customer, or an id: 409.
	_, _ = c.ArchiveCustomerWithResponse(ctx, "taken")
	for _, a := range []string{"acme", "taken", "cus_old"} {
		r := postRaw(t, c, "application/json", `{"name":"X","alias":"`+a+`","currency":"EUR","invoicing_emails":[],"custom_taxes":[]}`)
		wantError(t, r.StatusCode(), r.JSON409, 409, meteroidapi.ErrorCodeConflict, a)
	}
	// The required fields.
	for _, missing := range []string{"name", "currency", "invoicing_emails", "custom_taxes"} {
		body := map[string]string{"name": `"N"`, "currency": `"EUR"`, "invoicing_emails": `[]`, "custom_taxes": `[]`}
		delete(body, missing)
		raw := "{"
		for k, v := range body {
			if raw != "{" {
				raw += ","
			}
			raw += `"` + k + `":` + v
		}
		r := postRaw(t, c, "application/json", raw+"}")
		wantError(t, r.StatusCode(), r.JSON400, 400, meteroidapi.ErrorCodeBadRequest, missing)
	}
	if r := postRaw(t, c, "text/plain", `{}`); r.StatusCode() != 415 {
		t.Errorf("text/plain: %d", r.StatusCode())
	}
	if r := postRaw(t, c, "application/json", `[1]`); r.StatusCode() != 422 {
		t.Errorf("array: %d", r.StatusCode())
	}
	if srv.Created() != 1 {
		t.Errorf("created %d, want 1", srv.Created())
	}
}

func TestArchive(t *testing.T) {
	srv := NewTestServer(t, WithGeneratedCustomers(2))
	c := client(t, srv, srv.APIKey)
	ctx := context.Background()
	for range 2 { // a second archive answers 204 again
		if res, _ := c.ArchiveCustomerWithResponse(ctx, "alias-1"); res.StatusCode() != 204 || len(res.Body) != 0 {
			t.Fatalf("archive: %d %q", res.StatusCode(), res.Body)
		}
	}
	if !srv.Archived("cus_1") || srv.Archived("cus_0") {
		t.Error("wrong customer archived")
	}
	res, _ := c.ArchiveCustomerWithResponse(ctx, "nobody")
	wantError(t, res.StatusCode(), res.JSON404, 404, meteroidapi.ErrorCodeNotFound, "nobody")
}
