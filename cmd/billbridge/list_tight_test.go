package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// tightListIDs parses list's JSON Lines output into ids.
func tightListIDs(t *testing.T, stdout string) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func tightSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestListTightCustomers pushes 1,000 customers to a running fake through
// the facade, then lists exactly those (ids equal to the push's results)
// with --page-size 7 and with the default, narrows with --filter, and gets
// one.
func TestListTightCustomers(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithToken(srv.Token), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tight.CustomerInput, 1000)
	for i := range items {
		status := "ACTIVE"
		if i%2 == 1 {
			status = "ARCHIVED"
		}
		items[i] = tight.CustomerInput{Name: flex.Ptr(fmt.Sprintf("Customer %04d", i)),
			Email: flex.Ptr(fmt.Sprintf("c%04d@example.com", i)), Status: flex.Ptr(status)}
	}
	var pushed []string
	for _, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		pushed = append(pushed, r.ID)
	}
	t.Setenv("TIGHT_TOKEN", srv.Token)
	t.Setenv("TIGHT_CLIENT_ID", "")
	t.Setenv("TIGHT_CLIENT_SECRET", "")
	base := []string{"list", "tight", "customers", "--base-url", srv.URL, "--rate-limit", "-1"}

	for _, extra := range [][]string{{"--page-size", "7"}, nil} {
		before := srv.Count("queryCustomers", 0)
		code, stdout, stderr := runCLI(t, "", append(base, extra...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		// The fake lists in the order of creation, which concurrent chunks
		// of the push need not follow: compare the sets (and their sizes,
		// so that a duplicate shows).
		if got := tightListIDs(t, stdout); len(got) != len(pushed) || !slices.Equal(tightSorted(got), tightSorted(pushed)) {
			t.Fatalf("%v: listed %d ids, want exactly the %d pushed", extra, len(got), len(pushed))
		}
		pages := srv.Count("queryCustomers", 0) - before
		want := 10 // the default page size, 100
		if extra != nil {
			want = 143 // ceil(1000 / 7)
		}
		if pages != want {
			t.Errorf("%v: %d page requests, want %d", extra, pages, want)
		}
	}

	for _, tc := range []struct {
		filters []string
		want    int
	}{
		{[]string{"--filter", "status=ACTIVE"}, 500},
		{[]string{"--filter", "name=customer 001"}, 10},
		{[]string{"--filter", "name=Customer 00", "--filter", "status=ARCHIVED"}, 50},
		{[]string{"--filter", "email=c0042@example.com"}, 1},
		// ~= is contains, as for ChargeOver: name~ as name, email~ for a part.
		{[]string{"--filter", "name~=customer 001"}, 10},
		{[]string{"--filter", "email~=c004"}, 10},
		{[]string{"--filter", "email~=@example.com", "--filter", "name~=Customer 09"}, 100},
		{[]string{"--filter", "email=c004"}, 0},
		{[]string{"--filter", "status=ACTIVE,ARCHIVED", "--page-size", "250"}, 1000},
	} {
		code, stdout, stderr := runCLI(t, "", append(base, tc.filters...)...)
		if got := tightListIDs(t, stdout); code != exitOK || len(got) != tc.want {
			t.Errorf("%v: exit %d, %d entities, want %d: %s", tc.filters, code, len(got), tc.want, stderr)
		}
	}

	code, stdout, stderr := runCLI(t, "", "get", "tight", "customers", pushed[42], "--base-url", srv.URL)
	var got tight.Customer
	if code != exitOK || json.Unmarshal([]byte(stdout), &got) != nil || got.Id != pushed[42] || *got.Name != "Customer 0042" || got.CreatedDateTime == nil {
		t.Fatalf("get: exit %d, %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "", "get", "tight", "customers", "cus_nobody", "--base-url", srv.URL); code != exitFailed || !strings.Contains(stderr, "404") {
		t.Errorf("get unknown: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		append(base, "--page-size", "251"),
		append(base, "--filter", "city=Springfield"),
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
}

func TestListTightInvoices(t *testing.T) {
	code, _, stderr := runCLI(t, "", "list", "tight", "invoices", "--fake")
	if code != exitOK {
		t.Fatalf("list of an empty fake: exit %d: %s", code, stderr)
	}
	srv := tighttest.NewTestServer(t)
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithToken(srv.Token), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: flex.Ptr("cus_1"), Name: flex.Ptr("Abigail Adams")}); err != nil {
		t.Fatal(err)
	}
	var pushed []string
	for i := range 30 {
		state := "OPEN"
		if i%3 == 0 {
			state = "DRAFT"
		}
		inv, err := c.SaveInvoice(ctx, tight.InvoiceInput{CustomerId: flex.Ptr("cus_1"), Name: flex.Ptr(fmt.Sprintf("Invoice %02d", i)), InvoiceStatus: &state})
		if err != nil {
			t.Fatal(err)
		}
		pushed = append(pushed, inv.Id)
	}
	t.Setenv("TIGHT_TOKEN", srv.Token)
	base := []string{"list", "tight", "invoices", "--base-url", srv.URL, "--rate-limit", "-1"}
	code, stdout, stderr := runCLI(t, "", append(base, "--page-size", "7")...)
	if got := tightListIDs(t, stdout); code != exitOK || !slices.Equal(got, pushed) {
		t.Fatalf("exit %d, ids %v: %s", code, got, stderr)
	}
	for _, tc := range []struct {
		filters []string
		want    int
	}{
		{[]string{"--filter", "status=DRAFT"}, 10},
		{[]string{"--filter", "search=invoice 1"}, 10},
		{[]string{"--filter", "search=abigail", "--filter", "status=OPEN"}, 20},
		{[]string{"--filter", "name~=invoice 1"}, 10},
	} {
		code, stdout, stderr := runCLI(t, "", append(base, tc.filters...)...)
		if got := tightListIDs(t, stdout); code != exitOK || len(got) != tc.want {
			t.Errorf("%v: exit %d, %d entities, want %d: %s", tc.filters, code, len(got), tc.want, stderr)
		}
	}
	code, stdout, stderr = runCLI(t, "", "get", "tight", "invoices", pushed[17], "--base-url", srv.URL)
	var got tight.Invoice
	if code != exitOK || json.Unmarshal([]byte(stdout), &got) != nil || got.Id != pushed[17] || got.Totals == nil {
		t.Fatalf("get: exit %d, %s %s", code, stdout, stderr)
	}
	if code, _, _ := runCLI(t, "", "get", "tight", "invoices", "inv_nobody", "--base-url", srv.URL); code != exitFailed {
		t.Errorf("get unknown invoice: exit %d", code)
	}
}

// TestListTightPageFails: a walk that ends on an error prints it and exits 1.
func TestListTightPageFails(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Rates: map[fault.Kind]float64{fault.Status500: 1}}))
	t.Setenv("TIGHT_TOKEN", srv.Token)
	code, stdout, stderr := runCLI(t, "", "list", "tight", "customers", "--base-url", srv.URL, "--max-retries", "0")
	if code != exitFailed || stdout != "" || !strings.Contains(stderr, "after 0 entities") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

// TestListTightAgainstFakeCommand: the same round trip against a running
// "billbridge fake tight", with the credentials its banner prints.
func TestListTightAgainstFakeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"fake", "tight"}, nil, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	env := map[string]string{}
	var url string
	for sc.Scan() {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			url = u
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
		if k == "TIGHT_TOKEN" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if url == "" || env["TIGHT_TOKEN"] == "" {
		t.Fatalf("banner: url %q env %v", url, env)
	}
	c, err := tight.New(option.WithBaseURL(url), option.WithToken(env["TIGHT_TOKEN"]), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tight.CustomerInput, 1000)
	for i := range items {
		items[i] = tight.CustomerInput{Name: flex.Ptr(fmt.Sprintf("Customer %04d", i))}
	}
	var pushed []string
	for _, r := range c.SaveCustomers(ctx, items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		pushed = append(pushed, r.ID)
	}
	t.Setenv("TIGHT_TOKEN", env["TIGHT_TOKEN"])
	for _, extra := range [][]string{{"--page-size", "7"}, nil} {
		args := append([]string{"list", "tight", "customers", "--base-url", url, "--rate-limit", "-1"}, extra...)
		code, stdout, stderr := runCLI(t, "", args...)
		if got := tightListIDs(t, stdout); code != exitOK || len(got) != 1000 || !slices.Equal(tightSorted(got), tightSorted(pushed)) {
			t.Fatalf("%v: exit %d, %d ids: %s", extra, code, len(got), stderr)
		}
	}
	code, stdout, _ := runCLI(t, "", "list", "tight", "customers", "--base-url", url, "--rate-limit", "-1", "--filter", "name=customer 09")
	if got := tightListIDs(t, stdout); code != exitOK || len(got) != 100 {
		t.Errorf("filter: exit %d, %d ids, want 100", code, len(got))
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("fake did not stop on cancel")
	}
}
