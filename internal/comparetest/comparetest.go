// Package comparetest checks a keyed write's comparison against the
// generated types: every field of a request type must come back in the
// entity type and be reported when it differs, except the fields the spec
// marks writeOnly. It derives the fields from the types by reflection, so a
// field added to a spec and regenerated is checked with no edit here.
package comparetest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/typefill"
)

// EveryField fills every field of an In, stores it as an E (through JSON,
// as the provider would hand it back), and checks that the comparison
// finds no difference; then it changes each field of the stored entity in
// turn and checks that the comparison names that field, writeOnly fields
// aside (those must not be named). skip lists paths the provider's rules
// ignore on purpose, with the reason in the caller.
func EveryField[In, E any](t *testing.T, cmp *engine.Comparer, skip ...string) {
	t.Helper()
	var item In
	typefill.Fill(&item, nil)
	raw, err := json.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	var stored E
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatalf("%T does not decode as %T: %v", item, stored, err)
	}
	if ch := cmp.Diff(item, stored); len(ch) > 0 {
		for _, c := range ch {
			t.Errorf("%T.%s does not come back in %T (sent %q, read %q): mark it writeOnly in the spec, or give the read schema the field", item, c.Field, stored, c.Sent, c.Stored)
		}
		return
	}
	var tree any
	_ = json.Unmarshal(raw, &tree)
	checked := 0
	for _, leaf := range leaves(tree, "", "") {
		if slices.Contains(skip, leaf.rule) {
			continue
		}
		changed := mutate(tree, strings.Split(leaf.path, "/"))
		b, _ := json.Marshal(changed)
		var other E
		if err := json.Unmarshal(b, &other); err != nil {
			t.Errorf("%s: the changed entity does not decode: %v", leaf.path, err)
			continue
		}
		ch := cmp.Diff(item, other)
		named := slices.ContainsFunc(ch, func(c billbridge.Change) bool {
			return c.Field == leaf.path || strings.HasPrefix(leaf.path, c.Field+"/")
		})
		switch {
		case cmp.WriteOnly(leaf.rule) && len(ch) > 0:
			t.Errorf("%s is writeOnly but the comparison reports %v", leaf.path, ch)
		case !cmp.WriteOnly(leaf.rule) && !named:
			t.Errorf("%T.%s changed in the stored entity, but the comparison reports %v", item, leaf.path, ch)
		}
		checked++
	}
	if checked == 0 {
		t.Fatalf("no field of %T was checked", item)
	}
}

type leafT struct{ path, rule string }

// leaves lists the scalar paths of a JSON value: path with array indexes,
// rule without.
func leaves(v any, path, rule string) []leafT {
	switch x := v.(type) {
	case map[string]any:
		var out []leafT
		for k, e := range x {
			out = append(out, leaves(e, join(path, k), join(rule, k))...)
		}
		return out
	case []any:
		var out []leafT
		for i, e := range x {
			out = append(out, leaves(e, join(path, strconv.Itoa(i)), rule)...)
		}
		return out
	}
	return []leafT{{path, rule}}
}

// mutate returns a copy of v with the scalar at path changed to another
// value of its kind.
func mutate(v any, path []string) any {
	if len(path) == 0 || path[0] == "" {
		switch x := v.(type) {
		case string:
			if rest, ok := strings.CutPrefix(x, "2024-01-02"); ok {
				return "2025-03-04" + rest // a date stays a date
			}
			return x + "-changed"
		case float64:
			return x + 1
		case bool:
			return !x
		}
		return "changed"
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		out[path[0]] = mutate(x[path[0]], path[1:])
		return out
	case []any:
		out := slices.Clone(x)
		i, _ := strconv.Atoi(path[0])
		out[i] = mutate(x[i], path[1:])
		return out
	}
	return v
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "/" + key
}
