// Package validate checks items against the request schemas of an embedded
// spec before they are sent, so that a bad item is refused locally with its
// index and field named, and the items around it still go out.
//
// It depends on kin-openapi's openapi3 package only (no router, no request
// filter), so that programs using a facade do not link the fakes' HTTP
// validation machinery.
package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge"
)

// Schemas returns a function that reads the request schemas extracted from
// a provider's spec (gen/schemas, written by schemagen) once per process and
// returns validators for the named ones, in order. The extract holds only
// what validation needs, every $ref resolved, so that reading it costs a
// fraction of the spec's parse.
func Schemas(provider string, extract []byte, names ...string) func() ([]*Validator, error) {
	return sync.OnceValues(func() ([]*Validator, error) {
		// Only the named schemas are decoded into kin-openapi's types (the
		// costly part: 6 ms for all of Meteroid's, at every program's
		// first client), the others are skipped as raw JSON.
		var all map[string]json.RawMessage
		if err := json.Unmarshal(extract, &all); err != nil {
			return nil, fmt.Errorf("%s: reading the embedded request schemas: %w", provider, err)
		}
		var bad error
		vs, err := pick(provider, func(name string) *openapi3.Schema {
			raw, ok := all[name]
			if !ok || string(raw) == "null" {
				return nil // decoded as *openapi3.Schema, null was none
			}
			s := new(openapi3.Schema)
			if err := json.Unmarshal(raw, s); err != nil && bad == nil {
				bad = fmt.Errorf("%s: reading the embedded request schema %s: %w", provider, name, err)
			}
			return s
		}, names)
		if bad != nil {
			return nil, bad
		}
		return vs, err
	})
}

// SpecSchemas is Schemas over a whole spec (a generated GetSpec): what the
// extract is checked against.
func SpecSchemas(provider string, load func() (*openapi3.T, error), names ...string) func() ([]*Validator, error) {
	return sync.OnceValues(func() ([]*Validator, error) {
		spec, err := load()
		if err != nil {
			return nil, fmt.Errorf("%s: loading the embedded spec: %w", provider, err)
		}
		return pick(provider, func(name string) *openapi3.Schema {
			if ref := spec.Components.Schemas[name]; ref != nil {
				return ref.Value
			}
			return nil
		}, names)
	})
}

func pick(provider string, schema func(string) *openapi3.Schema, names []string) ([]*Validator, error) {
	vs := make([]*Validator, len(names))
	for i, name := range names {
		s := schema(name)
		if s == nil {
			return nil, fmt.Errorf("%s: no request schema %q", provider, name)
		}
		vs[i] = &Validator{schema: s}
	}
	return vs, nil
}

// Validator checks items against one schema.
type Validator struct {
	schema *openapi3.Schema
	byType sync.Map // reflect.Type -> *compiled
}

// Check validates item (a generated model, or a pointer to one: cheaper,
// as boxing a struct copies it) and returns a
// *billbridge.ValidationError naming index and the field path, or nil. The
// first check of a Go type compiles a checker for it (see compile), which
// every later check of that type reuses.
func (v *Validator) Check(index int, item any) error {
	t := reflect.TypeOf(item)
	c, ok := v.byType.Load(t)
	if !ok {
		c, _ = v.byType.LoadOrStore(t, &compiled{check: compile(v.schema, t)})
	}
	return c.(*compiled).checkTyped(index, item)
}

// checkJSON is Check through the JSON form of item, the way VisitJSON wants
// it: the reference the compiled checkers are tested against.
func (v *Validator) checkJSON(index int, item any) error {
	raw, err := json.Marshal(item)
	if err != nil {
		return &billbridge.ValidationError{Index: index, Reason: "cannot encode: " + err.Error()}
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return &billbridge.ValidationError{Index: index, Reason: "cannot encode: " + err.Error()}
	}
	if err := v.schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		var first error = err
		if me, ok := err.(openapi3.MultiError); ok && len(me) > 0 {
			first = me[0]
		}
		return &billbridge.ValidationError{Index: index, Field: Field(first), Reason: Reason(first)}
	}
	return nil
}

// Field names the field a schema error is about, as a slash path such as
// "data/0/email"; "" when unknown.
func Field(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if p := se.JSONPointer(); len(p) > 0 {
			return strings.Join(p, "/")
		}
	}
	return ""
}

// Reason gives a short reason for a schema error, without the schema dump
// kin-openapi appends to its full message.
func Reason(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if se.SchemaField == "enum" && se.Schema != nil && len(se.Schema.Enum) > 0 {
			return enumReason(se.Schema.Enum)
		}
		return se.Reason
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i > 0 {
		msg = msg[:i]
	}
	return msg
}

// WriteOnly returns the paths of the schema's fields that the spec marks
// writeOnly (the provider accepts them and never returns them), as
// "/"-separated JSON names with array items left out
// ("billing_address/line1", "custom_taxes/rate"): what a comparison with a
// stored entity skips.
func (v *Validator) WriteOnly() map[string]bool {
	out := map[string]bool{}
	writeOnly(v.schema, "", out, 0)
	return out
}

// WriteOnlyOf is the WriteOnly of the i-th validator load reads (a
// function Schemas returns), for a keyed create's comparison. Schemas that
// cannot be read give none: the comparison then skips nothing, and every
// item's check fails with the load error before anything is compared or
// sent.
func WriteOnlyOf(load func() ([]*Validator, error), i int) map[string]bool {
	vs, err := load()
	if err != nil {
		return nil
	}
	return vs[i].WriteOnly()
}

func writeOnly(s *openapi3.Schema, path string, out map[string]bool, depth int) {
	if s == nil || depth > 32 { // a recursive schema stops here
		return
	}
	if s.WriteOnly && path != "" {
		out[path] = true
	}
	for name, p := range s.Properties {
		if p != nil {
			sub := name
			if path != "" {
				sub = path + "/" + name
			}
			writeOnly(p.Value, sub, out, depth+1)
		}
	}
	if s.Items != nil {
		writeOnly(s.Items.Value, path, out, depth+1)
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, r := range refs {
			if r != nil {
				writeOnly(r.Value, path, out, depth+1)
			}
		}
	}
}

// EnumShown is how many allowed values a refused enum value's reason
// quotes: a list of 159 currency codes in an error line helps nobody.
const EnumShown = 5

// enumReason says that a value is not one of enum, quoting the first
// EnumShown allowed values and, when there are more, how many there are.
func enumReason(enum []any) string {
	shown := make([]string, 0, min(len(enum), EnumShown))
	for _, v := range enum[:min(len(enum), EnumShown)] {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		shown = append(shown, string(b))
	}
	list := strings.Join(shown, ", ")
	if len(enum) > EnumShown {
		list += fmt.Sprintf(", … (%d values)", len(enum))
	}
	return "value is not one of the allowed values " + list
}
