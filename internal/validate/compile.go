package validate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/jsonvalue"
	"github.com/billbridge/billbridge/pkg/flex"
)

// A checker validates one Go value against the schema it was compiled for.
// It walks the typed value itself, so an item is validated without the JSON
// round trip through map[string]any that VisitJSON needs: objects, arrays
// and pointers are walked here, and every leaf (a string, number or boolean)
// is handed to kin-openapi's VisitJSON as a plain Go value, so that the
// rules (enum, pattern, format, bounds, anyOf of leaves) and their texts are
// kin-openapi's own. What cannot be walked this way (free-form maps,
// interfaces, types with their own MarshalJSON, schemas combining object
// shapes) falls back to that round trip for that value only.
type checker func(v reflect.Value, path []string) error

// schemaError is a failed check: the path of the field and kin-openapi's
// reason.
type schemaError struct {
	path   []string
	reason string
}

func (e *schemaError) Error() string { return strings.Join(e.path, "/") + ": " + e.reason }

var (
	decimalType   = reflect.TypeFor[flex.Decimal]()
	boolType      = reflect.TypeFor[flex.Bool]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// compile returns the checker of Go type t against schema s.
func compile(s *openapi3.Schema, t reflect.Type) checker {
	if s == nil {
		return func(reflect.Value, []string) error { return nil }
	}
	if t.Kind() == reflect.Pointer {
		elem := compile(s, t.Elem())
		return func(v reflect.Value, path []string) error {
			if v.IsNil() {
				return nil // absent; required is checked by the object
			}
			return elem(v.Elem(), path)
		}
	}
	switch {
	case t == decimalType:
		return leaf(s, func(v reflect.Value) any { return v.String() })
	case t == boolType:
		return leaf(s, func(v reflect.Value) any { return v.Bool() })
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return roundTrip(s)
	}
	switch t.Kind() {
	case reflect.String:
		return leaf(s, func(v reflect.Value) any { return v.String() })
	case reflect.Bool:
		return leaf(s, func(v reflect.Value) any { return v.Bool() })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return leaf(s, func(v reflect.Value) any { return float64(v.Int()) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return leaf(s, func(v reflect.Value) any { return float64(v.Uint()) })
	case reflect.Float32, reflect.Float64:
		return leaf(s, func(v reflect.Value) any { return v.Float() })
	case reflect.Slice:
		if plainArray(s) && t.Elem().Kind() != reflect.Uint8 {
			return compileSlice(s, t)
		}
	case reflect.Struct:
		if plainObject(s) {
			if c, ok := compileStruct(s, t); ok {
				return c
			}
		}
	}
	return roundTrip(s)
}

// plainObject reports a schema that is only an object of properties: its
// rules can be checked field by field.
func plainObject(s *openapi3.Schema) bool {
	return len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.AllOf) == 0 && s.Not == nil &&
		s.MinProps == 0 && s.MaxProps == nil && s.AdditionalProperties.Schema == nil &&
		(s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) && !s.Nullable
}

// plainArray reports a schema that is only an array with item rules and
// count bounds.
func plainArray(s *openapi3.Schema) bool {
	return len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.AllOf) == 0 && s.Not == nil && !s.UniqueItems && !s.Nullable
}

// leaf checks a value that JSON renders as a string, number or boolean. A
// schema that only names the Go value's own JSON type has nothing to check:
// VisitJSON is skipped for it (most fields of a request).
func leaf(s *openapi3.Schema, plain func(reflect.Value) any) checker {
	if typeOnly(s) {
		return func(v reflect.Value, path []string) error {
			// By kind, not through plain: boxing a value costs an
			// allocation per field.
			switch v.Kind() {
			case reflect.String:
				if s.Type.Is("string") {
					return nil
				}
			case reflect.Bool:
				if s.Type.Is("boolean") {
					return nil
				}
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				if s.Type.Is("number") || s.Type.Is("integer") {
					return nil // a Go integer is integral
				}
			case reflect.Float32, reflect.Float64:
				if s.Type.Is("number") {
					return nil
				}
			}
			return visit(s, plain(v), path)
		}
	}
	return func(v reflect.Value, path []string) error {
		return visit(s, plain(v), path)
	}
}

// typeOnly reports a schema with a single type and no rule beyond it
// (formats count as rules when kin-openapi checks them).
func typeOnly(s *openapi3.Schema) bool {
	if s.Type == nil || len(*s.Type) != 1 || len(s.Enum) > 0 || s.Pattern != "" || s.Not != nil ||
		len(s.AnyOf) > 0 || len(s.OneOf) > 0 || len(s.AllOf) > 0 || s.MinLength > 0 || s.MaxLength != nil ||
		s.Min != nil || s.Max != nil || s.MultipleOf != nil || s.ExclusiveMin.IsTrue() || s.ExclusiveMax.IsTrue() {
		return false
	}
	switch s.Format {
	case "", "double", "float", "int64":
		return true
	case "int32":
		return false // kin-openapi checks the int32 range
	}
	_, checked := openapi3.SchemaStringFormats[s.Format]
	return !checked
}

// roundTrip checks v as VisitJSON does, through its JSON form. A value
// made only of JSON's own kinds (a free-form map of strings, numbers and
// booleans, as custom data mostly is) is converted directly instead, which
// gives VisitJSON the same value as encoding and decoding it would.
func roundTrip(s *openapi3.Schema) checker {
	return func(v reflect.Value, path []string) error {
		if value, ok := jsonvalue.Plain(v); ok {
			return visit(s, value, path)
		}
		raw, err := json.Marshal(v.Interface())
		if err != nil {
			return &schemaError{path: path, reason: "cannot encode: " + err.Error()}
		}
		var value any
		if err := json.Unmarshal(raw, &value); err != nil {
			return &schemaError{path: path, reason: "cannot encode: " + err.Error()}
		}
		return visit(s, value, path)
	}
}

// visit runs VisitJSON and places its first error under path.
func visit(s *openapi3.Schema, value any, path []string) error {
	err := s.VisitJSON(value, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	if me, ok := err.(openapi3.MultiError); ok && len(me) > 0 {
		err = me[0]
	}
	full := append([]string(nil), path...)
	if f := Field(err); f != "" {
		full = append(full, strings.Split(f, "/")...)
	}
	return &schemaError{path: full, reason: Reason(err)}
}

func compileSlice(s *openapi3.Schema, t reflect.Type) checker {
	var items checker
	if s.Items != nil {
		items = compile(s.Items.Value, t.Elem())
	}
	return func(v reflect.Value, path []string) error {
		n := uint64(v.Len())
		if v.IsNil() && s.Type != nil && s.Type.Is("array") {
			// A nil slice is written as null, which an array schema refuses.
			return visit(s, nil, path)
		}
		if n < s.MinItems || s.MaxItems != nil && n > *s.MaxItems {
			return visit(s, make([]any, n), path) // kin-openapi's text for the count
		}
		if items == nil {
			return nil
		}
		for i := range v.Len() {
			if err := items(v.Index(i), append(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	}
}

// field is one struct field with a property of the schema.
type field struct {
	index     int
	name      string
	omitEmpty bool
	check     checker
}

func compileStruct(s *openapi3.Schema, t reflect.Type) (checker, bool) {
	var fields []field
	present := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			return nil, false // embedded structs: let encoding/json flatten them
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "omitzero") || strings.Contains(opts, "string") {
			return nil, false // rules encoding/json applies that are not copied here
		}
		fd := field{index: i, name: name, omitEmpty: strings.Contains(opts, "omitempty")}
		if p := s.Properties[name]; p != nil {
			fd.check = compile(p.Value, f.Type)
		}
		present[name] = len(fields)
		fields = append(fields, fd)
	}
	required := s.Required
	for _, r := range required {
		if _, ok := present[r]; !ok {
			return nil, false // a required property the Go type cannot hold
		}
	}
	return func(v reflect.Value, path []string) error {
		for _, r := range required {
			fd := fields[present[r]]
			if absent(v.Field(fd.index), fd.omitEmpty) {
				return &schemaError{path: append(append([]string(nil), path...), r), reason: fmt.Sprintf("property %q is missing", r)}
			}
		}
		for _, fd := range fields {
			if fd.check == nil {
				continue
			}
			fv := v.Field(fd.index)
			if absent(fv, fd.omitEmpty) {
				continue
			}
			if err := fd.check(fv, append(path, fd.name)); err != nil {
				return err
			}
		}
		return nil
	}, true
}

// absent reports a field that the checks skip: a nil pointer or interface
// (null, or left out), or an empty value under omitempty, which
// encoding/json leaves out of the object.
func absent(v reflect.Value, omitEmpty bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return omitEmpty && jsonvalue.Empty(v)
}

// compiled is a validator compiled for one Go type.
type compiled struct {
	check checker
}

// checkTyped validates item with the compiled checker.
func (c *compiled) checkTyped(index int, item any) error {
	v := reflect.ValueOf(item)
	path := paths.Get().(*[]string)
	defer paths.Put(path)
	if err := c.check(v, (*path)[:0]); err != nil {
		se := err.(*schemaError)
		return &billbridge.ValidationError{Index: index, Field: strings.Join(se.path, "/"), Reason: se.reason}
	}
	return nil
}

// paths recycles the field path a check builds (errors copy theirs).
var paths = sync.Pool{New: func() any { p := make([]string, 0, 8); return &p }}
