package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// TestPushTightPaymentsTwice pushes payments twice through "push tight
// payments" against "billbridge fake tight --after-acting-rate R" and
// counts what the fake holds: every payment once, none twice, whatever
// answers were lost. It runs 100 payments at a 20 % rate; with
// BILLBRIDGE_PAYMENTS_E2E=N it runs N (the figure: 1000), and
// BILLBRIDGE_AFTER_ACTING_RATE sets the rate. It logs the lost creates that
// the create key settled (results lines with existing true in the first
// push, whose answer was lost after the fake had saved them).
func TestPushTightPaymentsTwice(t *testing.T) {
	n, rate := 100, "0.2"
	if v := os.Getenv("BILLBRIDGE_PAYMENTS_E2E"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("BILLBRIDGE_PAYMENTS_E2E=%q: want a count", v)
		}
	}
	if v := os.Getenv("BILLBRIDGE_AFTER_ACTING_RATE"); v != "" {
		rate = v
	}
	f := startFakeCLI(t, "TIGHT_TOKEN", "tight", "--after-acting-rate", rate, "--seed", "21")
	srv := f.srv.(*tighttest.Server)
	t.Setenv("TIGHT_BASE_URL", f.url)
	t.Setenv("TIGHT_TOKEN", f.env["TIGHT_TOKEN"])

	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, `{"date":"2025-07-01","amount":%d,"description":"payment %d"}`+"\n", 100+i, i)
	}
	dir := t.TempDir()
	input := filepath.Join(dir, "payments.jsonl")
	if err := os.WriteFile(input, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var settled [2]int
	for round := range 2 {
		results := filepath.Join(dir, fmt.Sprintf("results-%d.jsonl", round))
		code, out, errOut := runCLI(t, "", "push", "tight", "payments", input, "--results", results, "--json",
			"--batch-size", "20", "--rate-limit", "-1", "--max-retries", "8")
		var sum summary
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &sum); err != nil {
			t.Fatalf("round %d: exit %d, summary %q: %v; stderr: %s", round, code, out, err, errOut)
		}
		if code != exitOK || sum.Succeeded != n || sum.OutcomeUnknown != 0 {
			t.Fatalf("round %d: exit %d, %+v; stderr: %s", round, code, sum, errOut)
		}
		for _, r := range readResults(t, results) {
			if r.Existing {
				settled[round]++
			}
		}
		t.Logf("round %d: %d payments, %d requests, %d retries, %d found existing (outcomes: %d created, %d unchanged)",
			round, sum.Succeeded, sum.Requests, sum.Retries, settled[round], sum.Created, sum.Unchanged)
	}
	seen := map[string]int{}
	for _, p := range srv.Payments() {
		seen[*p.Description]++
	}
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	t.Logf("%d payments pushed twice at after-acting rate %s: the fake holds %d payments, %d duplicates; lost creates settled in the first push: %d; faults %v",
		n, rate, len(srv.Payments()), dups, settled[0], srv.Faults.Counts())
	if len(srv.Payments()) != n || dups != 0 || len(seen) != n {
		t.Fatalf("the fake holds %d payments (%d distinct, %d duplicates) for %d lines", len(srv.Payments()), len(seen), dups, n)
	}
	if settled[1] != n {
		t.Errorf("second push: %d of %d found existing", settled[1], n)
	}
}
