package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

// TestSyncMeteroidSubscriptions: 200 subscriptions synced twice through the
// CLI against a fake that loses 20 % of its answers after acting: 200
// subscriptions, none twice; the second run changes nothing. Then list,
// get, cancel, and the invoices the subscriptions issued: list, download.
func TestSyncMeteroidSubscriptions(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(10), meteroidtest.WithFaults(fault.Config{Seed: 5,
		Rates: map[fault.Kind]float64{fault.DropAfter: 0.07, fault.TruncatedJSON: 0.07, fault.Status500After: 0.06}}))
	t.Setenv("METEROID_BASE_URL", srv.URL)
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	dir := t.TempDir()
	input := filepath.Join(dir, "subs.jsonl")
	var b strings.Builder
	const n = 200
	for i := range n {
		plan := meteroidtest.PlanStarter
		if i%2 == 1 {
			plan = meteroidtest.PlanPro
		}
		fmt.Fprintf(&b, `{"plan_id":%q,"customer_id_or_alias":"alias-%d","start_date":"2026-%02d-%02d","activation_condition":"ON_START","skip_past_invoices":true}`+"\n",
			plan, i%10, 1+(i/10)%12, 1+i/10/12)
	}
	if err := os.WriteFile(input, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for run, want := range []string{`"created":200`, `"unchanged":200`} {
		code, stdout, stderr := runCLI(t, "", "sync", "meteroid", "subscriptions", "--rate-limit", "-1", "--max-retries", "8", "--json", input)
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Fatalf("run %d: exit %d, %s %s", run+1, code, stdout, stderr)
		}
	}
	if c, m := srv.SubscriptionsCreated(), len(srv.Subscriptions()); c != n || m != n {
		t.Fatalf("%d created, %d stored; want %d each (no duplicates)", c, m, n)
	}

	code, stdout, stderr := runCLI(t, "", "list", "meteroid", "subscriptions", "--filter", "customer_id=alias-3", "--max-retries", "8")
	if code != exitOK || strings.Count(stdout, "\n") != n/10 {
		t.Fatalf("list: exit %d, %d lines: %s", code, strings.Count(stdout, "\n"), stderr)
	}
	id := srv.Subscriptions()[0].Id
	if code, stdout, _ := runCLI(t, "", "get", "meteroid", "subscriptions", id, "--max-retries", "8"); code != exitOK || !strings.Contains(stdout, id) {
		t.Errorf("get: exit %d %s", code, stdout)
	}
	code, stdout, stderr = runCLI(t, "", "cancel", "meteroid", "subscriptions", id, "sub_none", "--max-retries", "8")
	if code != exitFailed || !strings.Contains(stdout, `{"id":"`+id+`","ok":true,"status":200}`) || !strings.Contains(stdout, `"sub_none","ok":false,"status":404`) {
		t.Errorf("cancel: exit %d %s %s", code, stdout, stderr)
	}
	if s, _ := srv.Subscription(id); s.Status != "CANCELLED" {
		t.Errorf("status after cancel: %s", s.Status)
	}

	// Invoices: one per ACTIVE subscription; download two PDFs.
	code, stdout, _ = runCLI(t, "", "list", "meteroid", "invoices", "--max-retries", "8")
	if code != exitOK || strings.Count(stdout, "\n") != len(srv.Invoices()) || len(srv.Invoices()) == 0 {
		t.Fatalf("list invoices: exit %d, %d lines, %d invoices", code, strings.Count(stdout, "\n"), len(srv.Invoices()))
	}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Scan()
	var first struct{ ID string }
	_ = json.Unmarshal(sc.Bytes(), &first)
	t.Chdir(dir)
	code, stdout, stderr = runCLI(t, "", "download", "meteroid", "invoices", first.ID, "--max-retries", "8")
	data, err := os.ReadFile(filepath.Join(dir, first.ID+".pdf"))
	if code != exitOK || err != nil || !strings.HasPrefix(string(data), "%PDF-") {
		t.Errorf("download: exit %d %s %s %v", code, stdout, stderr, err)
	}
}

// TestMeteroidCatalogVerbs: list and get of the fake's catalog.
func TestMeteroidCatalogVerbs(t *testing.T) {
	srv := meteroidtest.NewTestServer(t)
	t.Setenv("METEROID_BASE_URL", srv.URL)
	t.Setenv("METEROID_API_KEY", srv.APIKey)
	for _, tc := range []struct {
		args  []string
		code  int
		lines int
		has   string
	}{
		{[]string{"list", "meteroid", "plans"}, exitOK, 2, meteroidtest.PlanPro},
		{[]string{"list", "meteroid", "plans", "--filter", "search=start"}, exitOK, 1, meteroidtest.PlanStarter},
		{[]string{"get", "meteroid", "plans", meteroidtest.PlanStarter + "@1"}, exitOK, 1, `"version":1`},
		{[]string{"list", "meteroid", "plan-versions", "--filter", "plan_id=" + meteroidtest.PlanStarter}, exitOK, 2, "plv_starter_1"},
		{[]string{"list", "meteroid", "plan-versions"}, exitUsage, 0, ""},
		{[]string{"list", "meteroid", "products"}, exitOK, 2, meteroidtest.ProductPlatform},
		{[]string{"get", "meteroid", "products", meteroidtest.ProductAPI}, exitOK, 1, `"fee_type":"USAGE"`},
		{[]string{"list", "meteroid", "metrics"}, exitOK, 1, meteroidtest.MetricAPICalls},
		{[]string{"get", "meteroid", "metrics", meteroidtest.MetricAPICalls}, exitOK, 1, `"product_id":"` + meteroidtest.ProductAPI},
		{[]string{"get", "meteroid", "metrics", "bm_none"}, exitFailed, 0, ""},
	} {
		code, stdout, stderr := runCLI(t, "", tc.args...)
		if code != tc.code || strings.Count(stdout, "\n") != tc.lines || !strings.Contains(stdout, tc.has) {
			t.Errorf("%v: exit %d, %d lines: %s %s", tc.args, code, strings.Count(stdout, "\n"), stdout, stderr)
		}
	}
}
