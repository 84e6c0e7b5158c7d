package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// idLines decodes the JSON lines of delete, archive and send.
func idLines(t *testing.T, stdout string) []idResult {
	t.Helper()
	var out []idResult
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var r idResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not a result line: %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// seedTight creates n customers named prefix-i in the fake and returns their
// ids.
func seedTight(t *testing.T, srv *tighttest.Server, prefix string, n int) []string {
	t.Helper()
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tight.CustomerInput, n)
	for i := range items {
		items[i] = tight.CustomerInput{Name: flex.Ptr(fmt.Sprintf("%s-%d", prefix, i))}
	}
	var ids []string
	for _, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// TestDeleteTightCustomers: one JSON line per id in input order, ids from
// the arguments, a file and stdin; an unknown id fails (exit 1); the
// customers are gone from the fake.
func TestDeleteTightCustomers(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	t.Setenv("TIGHT_TOKEN", srv.Token)
	ids := seedTight(t, srv, "del", 6)
	base := []string{"delete", "tight", "customers", "--base-url", srv.URL, "--rate-limit", "-1"}

	code, stdout, stderr := runCLI(t, "", append(base, ids[0], "cus_nobody", ids[1])...)
	got := idLines(t, stdout)
	if code != exitFailed || len(got) != 3 {
		t.Fatalf("exit %d, %d lines: %s %s", code, len(got), stdout, stderr)
	}
	if !got[0].OK || got[0].ID != ids[0] || got[0].Status != 204 && got[0].Status != 200 {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].OK || got[1].ID != "cus_nobody" || got[1].Status != 404 || got[1].Error == "" {
		t.Errorf("unknown: %+v", got[1])
	}
	if !got[2].OK || got[2].ID != ids[1] {
		t.Errorf("third: %+v", got[2])
	}

	file := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(file, []byte(ids[2]+"\n\n  "+ids[3]+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", append(base, "--from", file)...)
	if got := idLines(t, stdout); code != exitOK || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[3] || !got[0].OK || !got[1].OK {
		t.Fatalf("--from FILE: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, ids[4]+"\n"+ids[5]+"\n", append(base, "-")...)
	if got := idLines(t, stdout); code != exitOK || len(got) != 2 || got[1].ID != ids[5] {
		t.Fatalf("stdin: exit %d: %s %s", code, stdout, stderr)
	}
	if left := srv.Customers(); len(left) != 0 {
		t.Errorf("%d customers left in the fake", len(left))
	}

	// Usage errors: no ids, an unknown pair, a pair without the verb.
	for _, args := range [][]string{
		base,
		{"delete", "tight", "things", "x"},
		{"delete", "chargeover", "customers", "1"},
		{"send", "tight", "customers", "x"},
		{"archive", "tight", "customers", "x"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage || !strings.Contains(stderr, "billbridge:") {
			t.Errorf("%q: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
	if _, _, stderr := runCLI(t, "", "delete", "tight", "things", "x"); !strings.Contains(stderr, "pairs: tight customers, tight invoices") {
		t.Errorf("the error does not list the pairs of delete: %s", stderr)
	}
	// Refused credentials: exit 2.
	t.Setenv("TIGHT_TOKEN", "wrong")
	if code, _, stderr := runCLI(t, "", append(base, "cus_x")...); code != exitUsage {
		t.Errorf("wrong token: exit %d: %s", code, stderr)
	}
}

// TestDeleteTightAlreadyGone: a delete whose answer was lost after the fake
// acted is retried, answered 404, and printed as a success marked
// already_gone.
func TestDeleteTightAlreadyGone(t *testing.T) {
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Sequence: []fault.Kind{fault.None, fault.DropAfter}}))
	t.Setenv("TIGHT_TOKEN", srv.Token)
	// One request (an upsert by id), then the delete's answer is lost.
	if err := seedTightCustomers(srv, []string{"cus_gone"}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "delete", "tight", "customers", "cus_gone", "--base-url", srv.URL, "--rate-limit", "-1")
	got := idLines(t, stdout)
	if code != exitOK || len(got) != 1 || !got[0].OK || !got[0].AlreadyGone || !strings.Contains(stdout, `"already_gone":true`) {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
}

// TestDeleteAndSendTightInvoices: send then delete invoices of a fake.
func TestDeleteAndSendTightInvoices(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	t.Setenv("TIGHT_TOKEN", srv.Token)
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SaveCustomer(ctx, tight.CustomerInput{Id: flex.Ptr("cus_1"), Name: flex.Ptr("Ada"), Email: flex.Ptr("ada@example.com")}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		inv, err := c.SaveInvoice(ctx, tight.InvoiceInput{CustomerId: flex.Ptr("cus_1"), Name: flex.Ptr(fmt.Sprintf("Invoice %d", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.Id)
	}
	code, stdout, stderr := runCLI(t, "", "send", "tight", "invoices", ids[0], ids[1], "inv_nobody", "--base-url", srv.URL)
	got := idLines(t, stdout)
	if code != exitFailed || len(got) != 3 || !got[0].OK || !got[1].OK || got[1].ID != ids[1] || got[2].OK || got[2].ID != "inv_nobody" || got[2].Status != 404 {
		t.Fatalf("send: exit %d: %s %s", code, stdout, stderr)
	}
	if n := srv.Count("sendInvoice", 200); n != 2 {
		t.Errorf("%d sends answered 200, want 2", n)
	}
	code, stdout, stderr = runCLI(t, strings.Join(ids, "\n"), "delete", "tight", "invoices", "--from", "-", "--base-url", srv.URL)
	if got := idLines(t, stdout); code != exitOK || len(got) != 3 {
		t.Fatalf("delete: exit %d: %s %s", code, stdout, stderr)
	}
	if left := srv.Invoices(); len(left) != 0 {
		t.Errorf("%d invoices left", len(left))
	}
}

// TestArchiveMeteroidCustomers archives by id and by alias.
func TestArchiveMeteroidCustomers(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(
		demoMeteroidCustomer("cus_1"), demoMeteroidCustomer("acme-fr"), demoMeteroidCustomer("acme-de")))
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	code, stdout, stderr := runCLI(t, "", "archive", "meteroid", "customers", "cus_1", "acme-fr", "nobody", "--base-url", srv.URL)
	got := idLines(t, stdout)
	if code != exitFailed || len(got) != 3 || !got[0].OK || got[0].ID != "cus_1" || !got[1].OK || got[1].ID != "acme-fr" || got[2].OK || got[2].ID != "nobody" {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !srv.Archived("cus_1") || !srv.Archived("acme-fr") || srv.Archived("acme-de") {
		t.Errorf("archived: cus_1 %v, acme-fr %v, acme-de %v", srv.Archived("cus_1"), srv.Archived("acme-fr"), srv.Archived("acme-de"))
	}
	// The embedded fake: an unknown customer fails, exit 1.
	if code, _, stderr := runCLI(t, "", "archive", "meteroid", "customers", "x", "--fake"); code != exitFailed {
		t.Errorf("--fake: exit %d: %s", code, stderr)
	}
}

// TestFakeHasNoClientRateLimit: --fake uses the fake's ClientOptions, so a
// push is not held to Tight's 3.3 requests/s; 40 single-item batches (one
// request each) finish well within the 12 s that limit would take.
func TestFakeHasNoClientRateLimit(t *testing.T) {
	var in strings.Builder
	for i := range 40 {
		fmt.Fprintf(&in, `{"name":"Customer %d"}`+"\n", i)
	}
	code, stdout, stderr := runCLI(t, in.String(), "push", "tight", "customers", "--fake", "--batch-size", "1", "--concurrency", "8", "--json", "-")
	var sum struct {
		Succeeded int `json:"succeeded"`
		ElapsedMS int `json:"elapsed_ms"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &sum) != nil || sum.Succeeded != 40 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if sum.ElapsedMS > 6000 {
		t.Errorf("40 requests took %d ms: a client rate limit applies to --fake", sum.ElapsedMS)
	}
}

// The two operations added through the recipe, reached from the CLI:
// archive then unarchive a Meteroid customer; delete ChargeOver customers
// by customer_id (a non-number refused alone, an unknown id a failure).
func TestUnarchiveAndDeleteThroughTheRegistry(t *testing.T) {
	ms := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(demoMeteroidCustomer("acme-fr")))
	t.Setenv("METEROID_API_KEY", ms.APIKey)
	if code, out, errOut := runCLI(t, "", "archive", "meteroid", "customers", "acme-fr", "--base-url", ms.URL); code != exitOK || !ms.Archived("acme-fr") {
		t.Fatalf("archive: exit %d %s %s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "", "unarchive", "meteroid", "customers", "acme-fr", "--base-url", ms.URL)
	if got := idLines(t, out); code != exitOK || len(got) != 1 || !got[0].OK || ms.Archived("acme-fr") {
		t.Fatalf("unarchive: exit %d %s %s", code, out, errOut)
	}

	cs := keyedChargeOver(t)
	code, out, errOut = runCLI(t, `{"company":"A","external_key":"a"}`+"\n"+`{"company":"B","external_key":"b"}`+"\n",
		"push", "chargeover", "customers", "--base-url", cs.URL, "-")
	if code != exitOK || len(cs.Customers()) != 2 {
		t.Fatalf("push: exit %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "delete", "chargeover", "customers", "1000", "abc", "4242", "--base-url", cs.URL)
	got := idLines(t, out)
	if code != exitFailed || len(got) != 3 || !got[0].OK || got[1].OK || got[2].OK || len(cs.Customers()) != 1 {
		t.Fatalf("delete: exit %d %s; the fake holds %d", code, out, len(cs.Customers()))
	}
	if !strings.Contains(out, "not a number") {
		t.Errorf("the non-number id is not named as such: %s", out)
	}
}
