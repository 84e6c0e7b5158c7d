package specs_test

// Field checks derived from the specs and the vendors' documents, never from
// counts written by hand: a field added to a schema (an optional one, as a
// spec's minor version may add) keeps them passing, and a field dropped from
// the spec or from the generated types fails them. TestRegenerateWithNewField
// (regen_test.go) proves the first half.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/tightapi"
)

// customerSchemas are each provider's customer schemas (create, update,
// read) and the generated types oapi-codegen makes of them.
var customerSchemas = map[string]map[string]reflect.Type{
	"tight": {
		"CustomerInput": reflect.TypeFor[tightapi.CustomerInput](), // create and update: Tight saves by id
		"Customer":      reflect.TypeFor[tightapi.Customer](),
	},
	"chargeover": {
		"CustomerCreate": reflect.TypeFor[chargeoverapi.CustomerCreate](),
		"CustomerUpdate": reflect.TypeFor[chargeoverapi.CustomerUpdate](),
		"Customer":       reflect.TypeFor[chargeoverapi.Customer](),
	},
	"meteroid": {
		"CustomerCreate": reflect.TypeFor[meteroidapi.CustomerCreate](),
		"CustomerPatch":  reflect.TypeFor[meteroidapi.CustomerPatch](),
		"Customer":       reflect.TypeFor[meteroidapi.Customer](),
	},
}

// schemaFields returns the property names of a component schema.
func schemaFields(t *testing.T, doc *openapi3.T, name string) []string {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no schema %s", name)
	}
	var out []string
	for p := range ref.Value.Properties {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// jsonFields returns the JSON names of a struct type's fields.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = true
	}
	return out
}

// TestCustomerSchemasGenerated checks that every property of each customer
// schema is a field of its generated type, and that the generated type has
// no JSON field the schema lacks.
func TestCustomerSchemasGenerated(t *testing.T) {
	for _, provider := range providers {
		doc := loadSpec(t, provider)
		for name, typ := range customerSchemas[provider] {
			fields := schemaFields(t, doc, name)
			have := jsonFields(typ)
			for _, f := range fields {
				if !have[f] {
					t.Errorf("%s %s: property %s has no field in %s", provider, name, f, typ)
				}
				delete(have, f)
			}
			for f := range have {
				t.Errorf("%s %s: %s has field %s, which the schema does not", provider, name, typ, f)
			}
		}
	}
}

// checkDocumentFields checks that every field of a vendor's document
// (testdata/<file>, a JSON object) is a property of schema: the spec may add
// fields the document does not show, never drop one it does.
func checkDocumentFields(t *testing.T, doc *openapi3.T, schema, file string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	props := map[string]bool{}
	for _, p := range schemaFields(t, doc, schema) {
		props[p] = true
	}
	for f := range body {
		if !props[f] {
			t.Errorf("%s: field %s of the document is not a property of %s", file, f, schema)
		}
	}
}
