package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestRegistryMatchesReadme: README.md's table of CLI verbs (between the
// cli-verbs markers) is exactly the registry's.
func TestRegistryMatchesReadme(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	_, rest, ok := strings.Cut(text, "<!-- cli-verbs")
	table, _, ok2 := strings.Cut(rest, "<!-- /cli-verbs -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no <!-- cli-verbs --> ... <!-- /cli-verbs --> table")
	}
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| provider ") {
			continue
		}
		rows = append(rows, line)
	}
	if want := readmeRows(); !slices.Equal(rows, want) {
		t.Errorf("README.md's table of CLI verbs:\n%s\nthe registry's:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestRegistryMatchesSpecsTable: specs/cliverbs.json, the table the
// completeness test reads (by provider, the CLI command of each operation),
// is exactly what the registry's verbs declare.
func TestRegistryMatchesSpecsTable(t *testing.T) {
	data, err := os.ReadFile("../../specs/cliverbs.json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]string
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("specs/cliverbs.json: %v", err)
	}
	want := specsTable()
	for provider, ops := range want {
		for op, cmd := range ops {
			if got[provider][op] != cmd {
				t.Errorf("%s %s: specs/cliverbs.json says %q, the registry %q", provider, op, got[provider][op], cmd)
			}
		}
	}
	for provider, ops := range got {
		for op, cmd := range ops {
			if _, ok := want[provider][op]; !ok {
				t.Errorf("%s %s: specs/cliverbs.json says %q, the registry names no verb for it", provider, op, cmd)
			}
		}
	}
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
