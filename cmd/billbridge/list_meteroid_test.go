package main

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// Against a fake that starts empty: 1,000 customers created through the
// facade, then listed back, exactly those, with --page-size 7 and with the
// default; a filter narrows it; get reads one by alias and by id.
func TestListMeteroidCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t)
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey), option.WithRateLimit(0, 0), option.WithConcurrency(16))
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	items := make([]meteroid.CustomerCreate, n)
	for i := range items {
		alias := fmt.Sprintf("cli-%04d", i)
		name := fmt.Sprintf("Customer %04d", i)
		if i%100 == 0 {
			name = fmt.Sprintf("Special %04d", i)
		}
		items[i] = meteroid.CustomerCreate{Name: name, Alias: &alias, Currency: meteroid.CurrencyEUR}
	}
	for _, r := range c.CreateCustomers(context.Background(), items) {
		if r.Err != nil {
			t.Fatalf("create %d: %v", r.Index, r.Err)
		}
	}
	var created []string // in creation order, the order list asks for (created_at.asc)
	for _, cu := range srv.Customers() {
		created = append(created, cu.Id)
	}

	for _, args := range [][]string{{"--page-size", "7"}, nil, {"--page-size", "100"}} {
		code, stdout, stderr := runCLI(t, "", append([]string{"list", "meteroid", "customers", "--base-url", srv.URL}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		got := listedIDs(t, stdout, func(c meteroid.Customer) string { return c.Id })
		if !slices.Equal(got, created) {
			t.Fatalf("%v: listed %d customers, want exactly the %d created", args, len(got), len(created))
		}
	}
	// The creates' lookup read one empty page; then ceil(1000/7), then 10
	// pages of 100 twice.
	if want := 1 + 143 + 10 + 10; srv.Count("listCustomers", 0) != want {
		t.Errorf("%d list requests, want %d", srv.Count("listCustomers", 0), want)
	}

	// --filter search narrows it to the ten "Special" customers.
	code, stdout, stderr := runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL, "--filter", "search=special", "--page-size", "3")
	if got := listedIDs(t, stdout, func(c meteroid.Customer) string { return c.Id }); code != exitOK || len(got) != 10 {
		t.Fatalf("search: exit %d, %d customers: %s", code, len(got), stderr)
	}
	// Archived customers leave the default listing, and archived=true lists them.
	if rs := c.ArchiveCustomers(context.Background(), []string{"cli-0001", "cli-0002"}); rs[0].Err != nil || rs[1].Err != nil {
		t.Fatal(rs[0].Err, rs[1].Err)
	}
	_, stdout, _ = runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL)
	if got := listedIDs(t, stdout, func(c meteroid.Customer) string { return c.Id }); len(got) != n-2 {
		t.Errorf("after archiving two: %d listed", len(got))
	}
	_, stdout, _ = runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL, "--filter", "archived=true")
	if got := listedIDs(t, stdout, func(c meteroid.Customer) string { return c.Id }); len(got) != 2 {
		t.Errorf("archived=true: %d listed", len(got))
	}
	if code, _, stderr := runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL, "--filter", "archived=maybe"); code != exitUsage {
		t.Errorf("archived=maybe: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL, "--page-size", "101"); code != exitUsage {
		t.Errorf("--page-size 101: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "list", "meteroid", "customers", "--base-url", srv.URL, "--filter", "order_by=name"); code != exitUsage {
		t.Errorf("--filter order_by: exit %d: %s", code, stderr)
	}

	// get by alias and by id.
	want, _ := srv.Customer("cli-0042")
	for _, key := range []string{"cli-0042", want.Id} {
		code, stdout, stderr := runCLI(t, "", "get", "meteroid", "customers", "--base-url", srv.URL, key)
		if got := listedIDs(t, stdout, func(c meteroid.Customer) string { return c.Id }); code != exitOK || len(got) != 1 || got[0] != want.Id {
			t.Errorf("get %s: exit %d, %v: %s", key, code, got, stderr)
		}
	}
	if code, _, _ := runCLI(t, "", "get", "meteroid", "customers", "--base-url", srv.URL, "nobody"); code == exitOK {
		t.Error("get nobody: exit 0")
	}
}

// --fake starts an empty fake: the listing is empty and succeeds.
func TestListMeteroidFake(t *testing.T) {
	t.Setenv("METEROID_API_KEY", "")
	code, stdout, stderr := runCLI(t, "", "list", "meteroid", "customers", "--fake")
	if code != exitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, stdout, stderr)
	}
}
