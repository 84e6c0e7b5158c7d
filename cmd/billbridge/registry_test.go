package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/internal/golden"
)

// TestRegistryMatchesReadme: README.md's table of CLI verbs (between the
// cli-verbs markers) is derived from the registry (make docs writes it).
func TestRegistryMatchesReadme(t *testing.T) {
	golden.Section(t, "../../README.md", "cli-verbs", golden.Table([]string{"provider", "resource", "verbs"}, readmeRows()))
}

// TestRegistryMatchesSpecsTable: specs/cliverbs.json, the table the
// completeness test reads (by provider, the CLI command of each operation),
// is derived from the registry's verbs (make docs writes it).
func TestRegistryMatchesSpecsTable(t *testing.T) {
	data, err := json.MarshalIndent(specsTable(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.File(t, "../../specs/cliverbs.json", append(data, '\n'))
}

// TestRegistryShape: every verb is known and has what its kind needs, no
// pair repeats a verb, and no operation names two verbs.
func TestRegistryShape(t *testing.T) {
	for _, p := range providers {
		if p.fake == nil {
			t.Errorf("%s: no fake", p.name)
		}
		ops := map[string]string{}
		for _, r := range p.resources {
			if r.line == "" || r.key == "" {
				t.Errorf("%s %s: line shape or natural key missing", p.name, r.name)
			}
			seen := map[string]bool{}
			for _, v := range r.verbs {
				pair := v.name + " " + p.name + " " + r.name
				if !slices.Contains(verbOrder, v.name) {
					t.Errorf("%s: unknown verb", pair)
				}
				if seen[v.name] {
					t.Errorf("%s: twice", pair)
				}
				seen[v.name] = true
				if v.method == "" {
					t.Errorf("%s: no facade method", pair)
				}
				var kind string
				switch {
				case v.job != nil && v.read == nil && v.each == nil:
					kind = "job"
				case v.read != nil && v.job == nil && v.each == nil:
					kind = "read"
				case v.each != nil && v.job == nil && v.read == nil:
					kind = "each"
				}
				wantKind := map[string]string{"push": "job", "sync": "job", "replace": "job", "list": "read", "get": "read"}[v.name]
				if wantKind == "" {
					wantKind = "each"
				}
				if kind != wantKind {
					t.Errorf("%s: want exactly one %s function, got %q", pair, wantKind, kind)
				}
				for _, op := range v.ops {
					if other, dup := ops[op]; dup {
						t.Errorf("%s: operation %s already names %s", pair, op, other)
					}
					ops[op] = pair
				}
			}
		}
	}
	// Every verb over ids has a command.
	for _, v := range verbOrder {
		if len(pairs(v)) == 0 {
			t.Errorf("verb %s: no pair", v)
		}
	}
	if !strings.Contains(usage, "pairs: "+pairNames("delete")) {
		t.Error("the usage does not list the pairs of delete")
	}
}
