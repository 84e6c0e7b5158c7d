package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// syncFake is one provider's fake, with the CLI's environment pointing at
// it, and the lines of an input in the create shape.
type syncFake struct {
	provider string
	key      []string // the sync flags that name the key
	line     func(i int, changed bool) string
	count    func() int
	field    string // the field the changed lines change
}

func syncFakes(t *testing.T) []syncFake {
	t.Helper()
	ts := tighttest.NewTestServer(t)
	t.Setenv("TIGHT_BASE_URL", ts.URL)
	t.Setenv("TIGHT_TOKEN", ts.Token)
	t.Setenv("TIGHT_CLIENT_ID", "")
	t.Setenv("TIGHT_CLIENT_SECRET", "")
	cs := chargeovertest.NewTestServer(t)
	t.Setenv("CHARGEOVER_BASE_URL", cs.URL)
	t.Setenv("CHARGEOVER_USERNAME", cs.Username)
	t.Setenv("CHARGEOVER_PASSWORD", cs.Password)
	ms := meteroidtest.NewTestServer(t)
	t.Setenv("METEROID_BASE_URL", ms.URL)
	t.Setenv("METEROID_API_KEY", ms.APIKey)
	pick := func(changed bool, a, b string) string {
		if changed {
			return b
		}
		return a
	}
	return []syncFake{
		{provider: "tight", key: []string{"--key", "email"}, field: "businessName", count: func() int { return len(ts.Customers()) },
			line: func(i int, c bool) string {
				return fmt.Sprintf(`{"name":"C %d","email":"c%d@example.com","businessName":%q}`, i, i, pick(c, "Old", "New"))
			}},
		{provider: "chargeover", field: "bill_city", count: func() int { return len(cs.Customers()) },
			line: func(i int, c bool) string {
				return fmt.Sprintf(`{"company":"C %d","external_key":"k%d","bill_city":%q}`, i, i, pick(c, "Old", "New"))
			}},
		{provider: "meteroid", field: "phone", count: func() int { return len(ms.Customers()) },
			line: func(i int, c bool) string {
				return fmt.Sprintf(`{"name":"C %d","alias":"a%d","currency":"EUR","invoicing_emails":[],"custom_taxes":[],"phone":%q}`, i, i, pick(c, "1", "2"))
			}},
	}
}

// input writes n lines, every fifth changed when changed is set.
func (f syncFake) input(t *testing.T, n int, changed bool) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(f.line(i, changed && i%5 == 0) + "\n")
	}
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (f syncFake) run(t *testing.T, verb string, args ...string) summary {
	t.Helper()
	all := append([]string{verb, f.provider, "customers", "--rate-limit", "-1", "--json"}, args...)
	if verb == "sync" {
		all = append(all, f.key...)
	}
	code, stdout, stderr := runCLI(t, "", all...)
	var sum summary
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("%v: exit %d, summary %q: %v; stderr %s", all, code, stdout, err, stderr)
	}
	return sum
}

// Synced twice, then with some lines changed: the second run changes
// nothing, the third updates exactly the changed lines, naming the field;
// in create mode the changed lines are conflicts; --plan says the same and
// writes nothing. No entity is ever created twice.
func TestSyncTwiceThenChanged(t *testing.T) {
	for _, f := range syncFakes(t) {
		t.Run(f.provider, func(t *testing.T) {
			const n = 40
			base, changed := f.input(t, n, false), f.input(t, n, true)
			if s := f.run(t, "sync", base); s.Created != n || f.count() != n {
				t.Fatalf("first sync: %+v; the fake holds %d", s, f.count())
			}
			if s := f.run(t, "sync", base); s.Unchanged != n || s.Created != 0 || f.count() != n {
				t.Fatalf("second sync: %+v; the fake holds %d", s, f.count())
			}
			// --plan: what an upsert would do, nothing written.
			code, stdout, stderr := runCLI(t, "", append([]string{"sync", f.provider, "customers", "--rate-limit", "-1", "--plan", changed}, f.key...)...)
			actions := map[string]int{}
			for l := range strings.SplitSeq(stdout, "\n") {
				var pl planLine
				if json.Unmarshal([]byte(l), &pl) == nil && pl.Line > 0 {
					actions[pl.Action]++
					if pl.Action == "update" && (len(pl.Changes) != 1 || pl.Changes[0].Field != f.field) {
						t.Errorf("plan line %d: %+v, want a change of %s", pl.Line, pl, f.field)
					}
				}
			}
			if code != exitOK || actions["update"] != n/5 || actions["unchanged"] != n-n/5 {
				t.Fatalf("--plan: exit %d, actions %v; stderr %s", code, actions, stderr)
			}
			results := filepath.Join(t.TempDir(), "r.jsonl")
			if s := f.run(t, "sync", "--mode", "create", "--results", results, changed); s.Conflicts != n/5 || s.Unchanged != n-n/5 {
				t.Fatalf("create mode: %+v", s)
			}
			for _, r := range readResults(t, results) {
				if r.Outcome == "conflict" && (r.Error == nil || r.Error.Param != f.field) {
					t.Errorf("conflict line %d names %+v, want %s", r.Line, r.Error, f.field)
				}
			}
			if s := f.run(t, "sync", "--results", results, "--force", changed); s.Updated != n/5 || s.Unchanged != n-n/5 || f.count() != n {
				t.Fatalf("upsert: %+v; the fake holds %d", s, f.count())
			}
			if s := f.run(t, "sync", changed); s.Unchanged != n {
				t.Fatalf("after the upsert: %+v, want every line unchanged (the server holds the second input)", s)
			}
		})
	}
}

// The first defect: pushing the same Tight file twice without
// --results created every customer twice. The re-run now finds them.
func TestPushTwiceCreatesOnce(t *testing.T) {
	for _, f := range syncFakes(t) {
		if f.provider == "meteroid" {
			continue // push meteroid customers patches; sync is its create
		}
		t.Run(f.provider, func(t *testing.T) {
			in := f.input(t, 5, false)
			f.run(t, "push", in)
			if s := f.run(t, "push", in); s.Unchanged != 5 || s.Created != 0 || f.count() != 5 {
				t.Fatalf("second push: %+v; the fake holds %d, want 5", s, f.count())
			}
		})
	}
}

func TestSyncTightNeedsAKey(t *testing.T) {
	code, _, stderr := runCLI(t, "", "sync", "tight", "customers", "--fake", "-")
	if code != exitUsage || !strings.Contains(stderr, "--key") {
		t.Fatalf("exit %d, stderr %s; want 2 and a hint naming --key", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "sync", "chargeover", "customers", "--fake", "--key", "company", "-")
	if code != exitUsage || !strings.Contains(stderr, "external_key") {
		t.Fatalf("exit %d, stderr %s; want 2 naming external_key", code, stderr)
	}
}
