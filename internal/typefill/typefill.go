// Package typefill fills every field of a generated type by reflection, for
// the fakes' round-trip tests: a field added to a spec and regenerated is
// set (and so checked) without editing the test.
package typefill

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Fill sets every field of *v: pointers allocated, strings non-empty,
// numbers non-zero, booleans true, slices and maps with one element.
// values overrides, by JSON name, what a field gets (for fields the spec
// constrains: enums, formats, patterns); the value goes through JSON into
// the field, into the pointed-to value of a pointer field and into the one
// element of a slice field.
func Fill(v any, values map[string]any) {
	fill(reflect.ValueOf(v).Elem(), "", values, 0)
}

func fill(v reflect.Value, name string, values map[string]any, depth int) {
	if x, ok := values[name]; ok && name != "" {
		switch v.Kind() {
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), name, values, depth+1)
			return
		case reflect.Slice:
			if reflect.TypeOf(x).Kind() != reflect.Slice {
				s := reflect.MakeSlice(v.Type(), 1, 1)
				fill(s.Index(0), name, values, depth+1)
				v.Set(s)
				return
			}
		}
		// Through JSON, so that flex types and enums take the value as
		// the wire would carry it.
		raw, err := json.Marshal(x)
		if err == nil {
			err = json.Unmarshal(raw, v.Addr().Interface())
		}
		if err != nil {
			panic(fmt.Sprintf("typefill: %s: %v", name, err))
		}
		return
	}
	if depth > 8 {
		return // recursive types: stop somewhere
	}
	if selfDecoding(v) {
		return
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.NumMethod() == 0 { // any: free-form JSON
			v.Set(reflect.ValueOf("x-" + strings.ReplaceAll(name, "_", "-")))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), name, values, depth+1)
	case reflect.String:
		v.SetString("x-" + strings.ReplaceAll(name, "_", "-"))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7.5)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), name, values, depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, name, values, depth+1)
		fill(e, name, values, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if n == "-" {
				continue
			}
			if n == "" {
				n = f.Name
			}
			fill(v.Field(i), n, values, depth+1)
		}
	}
}

// selfDecoding fills a struct that decodes its own JSON or text (a date, a
// time) from the first sample it takes, and reports whether it did.
func selfDecoding(v reflect.Value) bool {
	if v.Kind() != reflect.Struct || !v.CanAddr() {
		return false
	}
	switch u := v.Addr().Interface().(type) {
	case encoding.TextUnmarshaler:
		for _, s := range []string{"2024-01-02", "2024-01-02T03:04:05Z"} {
			if u.UnmarshalText([]byte(s)) == nil {
				return true
			}
		}
	case json.Unmarshaler:
		for _, s := range []string{`"2024-01-02"`, `"2024-01-02T03:04:05Z"`} {
			if u.UnmarshalJSON([]byte(s)) == nil {
				return true
			}
		}
	}
	return false
}

// Missing compares the JSON members of sent with those of got, recursively
// through objects, and lists the members of sent that got lacks or holds
// with another value, as "path: want X, got Y".
func Missing(sent, got any) []string {
	var a, b any
	for _, p := range []struct {
		v   any
		out *any
	}{{sent, &a}, {got, &b}} {
		raw, err := json.Marshal(p.v)
		if err != nil {
			return []string{err.Error()}
		}
		if err := json.Unmarshal(raw, p.out); err != nil {
			return []string{err.Error()}
		}
	}
	var out []string
	compare("", a, b, &out)
	return out
}

func compare(path string, want, got any, out *[]string) {
	if w, ok := want.(map[string]any); ok {
		g, _ := got.(map[string]any)
		for k, wv := range w {
			gv, present := g[k]
			if !present {
				*out = append(*out, fmt.Sprintf("%s/%s: missing", path, k))
				continue
			}
			compare(path+"/"+k, wv, gv, out)
		}
		return
	}
	if w, ok := want.([]any); ok {
		g, _ := got.([]any)
		if len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: want %d elements, got %d", path, len(w), len(g)))
			return
		}
		for i := range w {
			compare(fmt.Sprintf("%s/%d", path, i), w[i], g[i], out)
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, want, got))
	}
}
