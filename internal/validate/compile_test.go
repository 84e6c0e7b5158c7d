package validate

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/jsonvalue"
)

// seeds are request bodies of the specs' examples, one item each.
func seeds(t *testing.T, file string, list bool) []map[string]any {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if list {
		var env struct{ Data []map[string]any }
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		return env.Data
	}
	var one map[string]any
	if err := json.Unmarshal(raw, &one); err != nil {
		t.Fatal(err)
	}
	return []map[string]any{one}
}

// mutate changes one leaf of v at random: another type, an empty or odd
// string, a bad number, null, or removes it.
func mutate(r *rand.Rand, v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return x
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		k := keys[r.IntN(len(keys))]
		out := make(map[string]any, len(x))
		for kk, vv := range x {
			out[kk] = vv
		}
		if r.IntN(6) == 0 {
			delete(out, k)
		} else {
			out[k] = mutate(r, x[k])
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{"x"}
		}
		out := append([]any(nil), x...)
		i := r.IntN(len(out))
		out[i] = mutate(r, out[i])
		return out
	}
	odd := []any{"", "x", "NOT_AN_ENUM", "12.5", "-1", "1e3", "abc def", "2024-13-45", 0.0, -7.0, 1.5, 1e12, true, false, nil, "ÄÖÜ", "0"}
	return odd[r.IntN(len(odd))]
}

// TestCompiledMatchesVisitJSON is a differential test: the compiled
// checker over the extracted schemas and kin-openapi's VisitJSON over the
// JSON form and the whole spec agree on valid or not, on the field and the
// reason, for thousands of mutated items of every request
// schema the facades validate.
func TestCompiledMatchesVisitJSON(t *testing.T) {
	cases := []struct {
		spec    func() (*openapi3.T, error)
		extract []byte
		schema  string
		typ     reflect.Type
		seeds   []map[string]any
	}{
		{tightapi.GetSpec, schemas.Tight, "CustomerInput", reflect.TypeFor[tightapi.CustomerInput](), append(seeds(t, "../../specs/testdata/tight/saveCustomers.request.json", true), map[string]any{"name": "x"})},
		{tightapi.GetSpec, schemas.Tight, "InvoiceInput", reflect.TypeFor[tightapi.InvoiceInput](), seeds(t, "../../specs/testdata/tight/saveInvoices.request.json", true)},
		{chargeoverapi.GetSpec, schemas.ChargeOver, "CustomerCreate", reflect.TypeFor[chargeoverapi.CustomerCreate](), seeds(t, "../../specs/testdata/chargeover/createCustomer.request.json", false)},
		{meteroidapi.GetSpec, schemas.Meteroid, "CustomerPatch", reflect.TypeFor[meteroidapi.CustomerPatch](), seeds(t, "../../specs/testdata/meteroid/patchCustomer.request.json", false)},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		// The reference: VisitJSON over the JSON form, with the whole spec.
		// Under test: the compiled checker, with the extract the facades
		// embed (so a stale extract fails here too).
		refs, err := SpecSchemas("test", tc.spec, tc.schema)()
		if err != nil {
			t.Fatal(err)
		}
		vs, err := Schemas("test", tc.extract, tc.schema)()
		if err != nil {
			t.Fatal(err)
		}
		v, ref := vs[0], refs[0]
		checked, invalid := 0, 0
		for _, seed := range tc.seeds {
			value := any(seed)
			for range 1500 {
				raw, _ := json.Marshal(value)
				item := reflect.New(tc.typ)
				if json.Unmarshal(raw, item.Interface()) == nil {
					checked++
					typed, viaJSON := v.Check(7, item.Elem().Interface()), ref.checkJSON(7, item.Elem().Interface())
					var a, b *billbridge.ValidationError
					errors.As(typed, &a)
					errors.As(viaJSON, &b)
					switch {
					case (a == nil) != (b == nil):
						t.Fatalf("%s %s: compiled %v, VisitJSON %v", tc.schema, raw, typed, viaJSON)
					case a != nil:
						invalid++
						if a.Index != 7 || a.Field != b.Field || a.Reason != b.Reason {
							t.Fatalf("%s %s: compiled %+v, VisitJSON %+v", tc.schema, raw, a, b)
						}
					}
				}
				value = mutate(r, any(seed))
				if r.IntN(3) == 0 {
					value = mutate(r, value)
				}
			}
		}
		t.Logf("%s: %d items checked, %d invalid", tc.schema, checked, invalid)
		// CustomerInput has no rule a typed value can break (its strings
		// are free, e-mail formats are not checked): only all-invalid is
		// suspicious there.
		if invalid == checked || invalid == 0 && tc.schema != "CustomerInput" {
			t.Errorf("%s: %d of %d invalid: the mutations do not exercise both sides", tc.schema, invalid, checked)
		}
	}
}

// TestFreeFormJSONNumberIsANumber: a json.Number in a free-form value (from
// a decoder with UseNumber) encodes as a JSON number, so it must be checked
// as one; the direct conversion took it for a string and refused a valid
// number.
func TestFreeFormJSONNumberIsANumber(t *testing.T) {
	s := openapi3.NewObjectSchema().WithAdditionalProperties(openapi3.NewFloat64Schema())
	check := compile(s, reflect.TypeFor[map[string]any]())
	for _, v := range []map[string]any{{"n": json.Number("12")}, {"n": []any{json.Number("1.5")}}} {
		raw, _ := json.Marshal(v)
		var decoded any
		_ = json.Unmarshal(raw, &decoded)
		want := visit(s, decoded, nil)
		if got := check(reflect.ValueOf(v), nil); (got == nil) != (want == nil) {
			t.Errorf("%v: checker %v, VisitJSON over its JSON %v", v, got, want)
		}
	}
	in := any(json.Number("12"))
	if got, ok := jsonvalue.Plain(reflect.ValueOf(&in).Elem()); ok && !reflect.DeepEqual(got, 12.0) {
		t.Errorf("json.Number(12) converted to %#v; its JSON decodes to 12.0", got)
	}
}

// TestFreeFormCycleIsRefused: a free-form value that contains itself cannot
// be encoded; the check must say so (as the JSON round trip does) instead of
// recursing until the stack overflows and the process dies.
func TestFreeFormCycleIsRefused(t *testing.T) {
	// A small stack makes the old endless recursion die at once rather
	// than after a gigabyte of stack.
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	s := openapi3.NewObjectSchema()
	check := compile(s, reflect.TypeFor[tightapi.CustomData]())
	m := tightapi.CustomData{"a": 1}
	m["self"] = m
	l := []any{"x", nil}
	l[1] = l
	for _, v := range []any{m, tightapi.CustomData{"list": l}} {
		err := check(reflect.ValueOf(v), []string{"customData"})
		var se *schemaError
		if !errors.As(err, &se) || !strings.Contains(se.reason, "cannot encode") {
			t.Errorf("a cyclic value: %v, want a cannot-encode error", err)
		}
	}
}
