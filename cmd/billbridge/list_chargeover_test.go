package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestListChargeOverCustomers pushes 1,000 customers with keys to a running
// fake, then lists them back with a page size of 7 and with the default:
// exactly the pushed ids, in order; filters narrow the list; get reads one.
func TestListChargeOverCustomers(t *testing.T) {
	srv := chargeovertest.NewTestServer(t)
	t.Setenv("CHARGEOVER_USERNAME", srv.Username)
	t.Setenv("CHARGEOVER_PASSWORD", srv.Password)
	c, err := chargeover.New(option.WithBaseURL(srv.URL), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	in := make([]chargeover.CustomerCreate, n)
	for i := range in {
		in[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Company %04d", i), ExternalKey: ptr(fmt.Sprintf("cli-%04d", i))}
		if i%100 == 0 {
			in[i].Company = fmt.Sprintf("Acme %04d", i)
			in[i].SuperuserEmail = ptr(fmt.Sprintf("billing%d@acme.example", i))
		}
	}
	var want []string
	for _, r := range c.CreateCustomers(context.Background(), in) {
		if r.Err != nil {
			t.Fatalf("push: item %d: %v", r.Index, r.Err)
		}
		want = append(want, r.ID)
	}
	// The listing comes in customer_id order; the push's results in input
	// order (two _bulk calls in flight may interleave their ids).
	sorted := slices.Clone(want)
	slices.SortFunc(sorted, func(a, b string) int { return cmp.Compare(len(a), len(b))*2 + strings.Compare(a, b) })
	if len(slices.Compact(slices.Clone(sorted))) != n {
		t.Fatal("the push returned duplicate ids")
	}
	base := []string{"list", "chargeover", "customers", "--base-url", srv.URL, "--rate-limit", "-1"}
	for _, extra := range [][]string{{"--page-size", "7"}, nil} {
		before := srv.Count(chargeovertest.OpListCustomers, 0)
		code, stdout, stderr := runCLI(t, "", append(base, extra...)...)
		if code != exitOK {
			t.Fatalf("list %v: exit %d: %s", extra, code, stderr)
		}
		got := listedIDs(t, stdout, func(c chargeover.Customer) string { return c.CustomerId.String() })
		if strings.Join(got, ",") != strings.Join(sorted, ",") {
			t.Fatalf("list %v: %d ids, not the %d pushed (first %v)", extra, len(got), len(sorted), got[:min(len(got), 3)])
		}
		pages := n/chargeover.DefaultPageSize + 1
		if extra != nil {
			pages = n/7 + 1
		}
		if reqs := srv.Count(chargeovertest.OpListCustomers, 0) - before; reqs != pages {
			t.Errorf("list %v: %d page requests, want %d", extra, reqs, pages)
		}
	}

	// Filters: EQUALS by default, CONTAINS with name~=value; all must hold.
	var acmeIDs []string
	for i := 0; i < n; i += 100 {
		acmeIDs = append(acmeIDs, want[i])
	}
	slices.SortFunc(acmeIDs, func(a, b string) int { return cmp.Compare(len(a), len(b))*2 + strings.Compare(a, b) })
	acme := strings.Join(acmeIDs, ",")
	for _, tc := range []struct {
		filters []string
		want    string
	}{
		{[]string{"external_key=cli-0042"}, want[42]},
		{[]string{"company~=acme"}, acme},
		{[]string{"company~=acme", "email=billing300@acme.example"}, want[300]},
		{[]string{"email~=billing9"}, want[900]},
		{[]string{"company=Company 0001"}, want[1]},
		{[]string{"company=nobody"}, ""},
	} {
		args := append([]string{}, base...)
		for _, f := range tc.filters {
			args = append(args, "--filter", f)
		}
		code, stdout, stderr := runCLI(t, "", append(args, "--page-size", "3")...)
		if code != exitOK || strings.Join(listedIDs(t, stdout, func(c chargeover.Customer) string { return c.CustomerId.String() }), ",") != tc.want {
			t.Errorf("filters %v: exit %d, ids %v, want %s; stderr %s", tc.filters, code, listedIDs(t, stdout, func(c chargeover.Customer) string { return c.CustomerId.String() }), tc.want, stderr)
		}
	}

	// get by customer_id and by external_key:<key>.
	for _, id := range []string{want[7], "external_key:cli-0007"} {
		code, stdout, stderr := runCLI(t, "", "get", "chargeover", "customers", id, "--base-url", srv.URL)
		if code != exitOK || strings.Join(listedIDs(t, stdout, func(c chargeover.Customer) string { return c.CustomerId.String() }), ",") != want[7] || !strings.Contains(stdout, `"external_key":"cli-0007"`) {
			t.Errorf("get %s: exit %d: %s %s", id, code, stdout, stderr)
		}
	}
	code, _, stderr := runCLI(t, "", "get", "chargeover", "customers", "99999", "--base-url", srv.URL)
	if code != exitFailed || !strings.Contains(stderr, "404") {
		t.Errorf("get missing: exit %d: %s", code, stderr)
	}

	// Usage errors: exit 2, nothing sent.
	before := srv.Count(chargeovertest.OpListCustomers, 0)
	for _, args := range [][]string{
		append(append([]string{}, base...), "--page-size", "501"),
		append(append([]string{}, base...), "--filter", "nosuch=1"),
		{"get", "chargeover", "customers", "abc", "--base-url", srv.URL},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
	if n := srv.Count(chargeovertest.OpListCustomers, 0) - before; n != 0 {
		t.Errorf("%d list requests sent by refused commands", n)
	}
}

// TestListChargeOverFake lists the embedded (empty) fake.
func TestListChargeOverFake(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "list", "chargeover", "customers", "--fake")
	if code != exitOK || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}
