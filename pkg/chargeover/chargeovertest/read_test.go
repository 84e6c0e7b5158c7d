package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
)

func listIDs(t *testing.T, c *chargeoverapi.ClientWithResponses, p *chargeoverapi.ListCustomersParams) []string {
	t.Helper()
	resp, err := c.ListCustomersWithResponse(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("list %+v: HTTP %d %s", p, resp.StatusCode(), resp.Body)
	}
	ids := []string{}
	for _, cu := range resp.JSON200.Response {
		ids = append(ids, cu.CustomerId.String())
	}
	return ids
}

func TestListQueries(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t)
	c := client(t, srv)
	for i := range 12 {
		cu := cust(fmt.Sprintf("k%02d", i), fmt.Sprintf("Co %02d", i))
		if i < 3 {
			cu.Company = "Example:ID, Ltd " + fmt.Sprint(i)
		}
		srv.Seed(cu)
	}
	for _, tc := range []struct {
		name string
		p    chargeoverapi.ListCustomersParams
		want string
	}{
		{"default page of 10", chargeoverapi.ListCustomersParams{}, "[1000 1001 1002 1003 1004 1005 1006 1007 1008 1009]"},
		{"offset and limit", chargeoverapi.ListCustomersParams{Offset: ptr(int64(10)), Limit: ptr(int32(5))}, "[1010 1011]"},
		{"past the end", chargeoverapi.ListCustomersParams{Offset: ptr(int64(50))}, "[]"},
		{"order desc", chargeoverapi.ListCustomersParams{Order: ptr("customer_id:DESC"), Limit: ptr(int32(3))}, "[1011 1010 1009]"},
		{"order by company then id", chargeoverapi.ListCustomersParams{Order: ptr("company:DESC,customer_id:ASC"), Limit: ptr(int32(2))}, "[1002 1001]"},
		{"escaped colon and comma", chargeoverapi.ListCustomersParams{Where: ptr(`company:CONTAINS:example\:id\, ltd`)}, "[1000 1001 1002]"},
		{"two conditions", chargeoverapi.ListCustomersParams{Where: ptr("customer_id:GTE:1004,customer_id:LT:1006")}, "[1004 1005]"},
		{"not equals", chargeoverapi.ListCustomersParams{Where: ptr("external_key:NOTEQUALS:k00"), Limit: ptr(int32(2))}, "[1001 1002]"},
		{"is null", chargeoverapi.ListCustomersParams{Where: ptr("superuser_email:IS:NULL"), Limit: ptr(int32(1))}, "[1000]"},
		{"is not null", chargeoverapi.ListCustomersParams{Where: ptr("external_key:ISNOT:NULL"), Offset: ptr(int64(11))}, "[1011]"},
		{"gt lte", chargeoverapi.ListCustomersParams{Where: ptr("customer_id:GT:1009,customer_id:LTE:1010")}, "[1010]"},
		{"equals", chargeoverapi.ListCustomersParams{Where: ptr("external_key:EQUALS:k07")}, "[1007]"},
	} {
		if got := fmt.Sprint(listIDs(t, c, &tc.p)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Refused: an unescaped colon, an unknown operator or field, a limit out of range.
	for _, p := range []chargeoverapi.ListCustomersParams{
		{Where: ptr("company:EQUALS:a:b")},
		{Where: ptr("company:LIKE:a")},
		{Where: ptr("nosuch:EQUALS:a")},
		{Order: ptr("nosuch:ASC")},
		{Order: ptr("company:UP")},
		{Limit: ptr(int32(501))},
		{Offset: ptr(int64(-1))},
	} {
		resp, err := c.ListCustomersWithResponse(context.Background(), &p)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, resp.JSON400, http.StatusBadRequest, msgInvalid)
	}
}

func TestUpdateRules(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithCustomers(cust("a", "A"), cust("b", "B"), cust("", "C")))
	c := client(t, srv)
	ctx := context.Background()
	up := func(id int64, u chargeoverapi.CustomerUpdate) *chargeoverapi.UpdateCustomerResponse {
		t.Helper()
		resp, err := c.UpdateCustomerWithResponse(ctx, id, u)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := up(1000, chargeoverapi.CustomerUpdate{BillCity: ptr("Chicago")}); r.JSON202 == nil || r.JSON202.Response.Id != "1000" || r.JSON202.Code != 202 {
		t.Fatalf("update: %d %s", r.StatusCode(), r.Body)
	}
	got, _ := srv.CustomerByExternalKey("a")
	if *got.BillCity != "Chicago" || *got.Company != "A" {
		t.Errorf("after update: %v %v", got.BillCity, got.Company)
	}
	wantError(t, up(1000, chargeoverapi.CustomerUpdate{ExternalKey: ptr("b")}).JSON400, 400, "already exists")
	wantError(t, up(9999, chargeoverapi.CustomerUpdate{Company: ptr("x")}).JSON404, 404, msgNotFound)
	wantError(t, up(1000, chargeoverapi.CustomerUpdate{}).JSON400, 400, msgInvalid) // minProperties 1
	// Setting its own key again is no conflict; a new key frees nothing.
	if r := up(1000, chargeoverapi.CustomerUpdate{ExternalKey: ptr("a")}); r.JSON202 == nil {
		t.Errorf("own key: %d %s", r.StatusCode(), r.Body)
	}
	if r := up(1002, chargeoverapi.CustomerUpdate{ExternalKey: ptr("c")}); r.JSON202 == nil {
		t.Errorf("new key: %d %s", r.StatusCode(), r.Body)
	}
	if r := up(1002, chargeoverapi.CustomerUpdate{ExternalKey: ptr("c2")}); r.JSON202 == nil {
		t.Errorf("changed key: %d %s", r.StatusCode(), r.Body)
	}
	wantError(t, up(1000, chargeoverapi.CustomerUpdate{ExternalKey: ptr("c")}).JSON400, 400, "never reusable")
	if _, ok := srv.CustomerByExternalKey("c"); ok {
		t.Error("the released key c still finds a customer")
	}
}

func TestBulkReadAndUpdate(t *testing.T) {
	t.Parallel()
	srv := NewTestServer(t, WithCustomers(cust("a", "A"), cust("b", "B")))
	c := client(t, srv)
	resp, err := c.BulkWithResponse(context.Background(), chargeoverapi.BulkRequest{
		rawSub(chargeoverapi.BulkPUT, "/api/v3/customer/1001", `{"company":"B2"}`),
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer/1001", ""),
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer?where=company:EQUALS:B2&limit=5", ""),
		rawSub(chargeoverapi.BulkPUT, "/api/v3/customer/4242", `{"company":"X"}`),
		rawSub(chargeoverapi.BulkPUT, "/api/v3/customer/1000", `{"company":""}`),
		rawSub(chargeoverapi.BulkPUT, "/api/v3/customer/1000", `{"external_key":"b"}`),
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer/4242", ""),
		rawSub(chargeoverapi.BulkGET, "/api/v3/customer?where=company:BAD:x", ""),
		rawSub(chargeoverapi.BulkPUT, "/api/v3/customer/1000", ""),
	})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("bulk: %v %s", err, resp.Body)
	}
	subs := resp.JSON200.Response.Bulk
	codes := make([]int32, len(subs))
	for i, s := range subs {
		codes[i] = s.Code
	}
	if fmt.Sprint(codes) != "[202 200 200 404 400 400 404 400 400]" {
		t.Fatalf("codes %v", codes)
	}
	var id chargeoverapi.UpdatedId
	if err := json.Unmarshal(*subs[0].Response, &id); err != nil || id.Id != "1001" {
		t.Errorf("PUT result %s: %v", *subs[0].Response, err)
	}
	var one chargeoverapi.Customer
	if err := json.Unmarshal(*subs[1].Response, &one); err != nil || *one.Company != "B2" {
		t.Errorf("GET result %s: %v", *subs[1].Response, err)
	}
	var list []chargeoverapi.Customer
	if err := json.Unmarshal(*subs[2].Response, &list); err != nil || len(list) != 1 || list[0].CustomerId != "1001" {
		t.Errorf("query result %s: %v", *subs[2].Response, err)
	}
}
