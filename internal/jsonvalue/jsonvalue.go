// Package jsonvalue states encoding/json's rules for code that walks typed
// values with reflection instead of encoding them: the validator checks a
// typed item without a JSON round trip, and the Tight fake copies its
// entities the same way. Each of them must give the very result the round
// trip would, so the rules they share live here once.
package jsonvalue

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// Empty is encoding/json's omitempty test: false, 0, a nil pointer or
// interface, and an empty array, slice, map or string. Structs are never
// empty.
func Empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

var ownTypes = []reflect.Type{
	reflect.TypeFor[json.Marshaler](), reflect.TypeFor[json.Unmarshaler](),
	reflect.TypeFor[encoding.TextMarshaler](), reflect.TypeFor[encoding.TextUnmarshaler](),
}

// OwnEncoding reports whether t or *t encodes or decodes itself (JSON or
// text methods), so that only encoding/json knows what its JSON is.
func OwnEncoding(t reflect.Type) bool {
	for _, i := range ownTypes {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

var (
	// numberType is a string that encoding/json writes as a number.
	numberType = reflect.TypeFor[json.Number]()
	anyMap     = reflect.TypeFor[map[string]any]()
)

// maxDepth bounds the nesting Plain converts (free-form data is shallow;
// each map, slice, pointer or interface is a level).
const maxDepth = 100

// Plain returns what decoding v's JSON into an any would give, when that
// can be had without encoding: v holds no type with an encoding of its own,
// no json.Number (a string that encodes as a number), struct, array,
// []byte, float32 (whose shortest form is not the float64 it widens to),
// NaN or infinity (which do not encode), or string that is not UTF-8
// (which encoding would alter). A value nested deeper than 100 levels is
// refused too: one that contains itself would recurse here without end,
// where encoding reports the cycle. The result shares no map or slice with
// v. For anything refused, the round trip is the answer.
func Plain(v reflect.Value) (any, bool) { return plain(v, 0) }

func plain(v reflect.Value, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	depth++
	if k := v.Kind(); k != reflect.Interface && k != reflect.Pointer && (v.Type() == numberType || OwnEncoding(v.Type())) {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil, true
		}
		if v.CanInterface() {
			return plainAny(v.Interface(), depth)
		}
		return plain(v.Elem(), depth)
	case reflect.Pointer:
		if v.IsNil() {
			return nil, true
		}
		return plain(v.Elem(), depth)
	case reflect.String:
		return v.String(), utf8.ValidString(v.String())
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint()), true
	case reflect.Float64:
		f := v.Float()
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || OwnEncoding(v.Type().Key()) {
			return nil, false
		}
		if v.IsNil() {
			return nil, true
		}
		if v.Type().ConvertibleTo(anyMap) && v.CanInterface() {
			return plainAny(v.Convert(anyMap).Interface(), depth)
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			if !utf8.ValidString(it.Key().String()) {
				return nil, false
			}
			e, ok := plain(it.Value(), depth)
			if !ok {
				return nil, false
			}
			out[it.Key().String()] = e
		}
		return out, true
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false // base64 in JSON
		}
		if v.IsNil() {
			return nil, true
		}
		out := make([]any, v.Len())
		for i := range out {
			e, ok := plain(v.Index(i), depth)
			if !ok {
				return nil, false
			}
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

// plainAny is plain for a value held in an interface. What JSON decodes to
// (the free-form data of a decoded request, mostly) is walked without
// reflection, and strings, numbers and booleans are returned in their own
// boxes: boxing them again would allocate.
func plainAny(x any, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch y := x.(type) {
	case nil, bool:
		return x, true
	case string:
		return x, utf8.ValidString(y)
	case float64:
		return x, !math.IsNaN(y) && !math.IsInf(y, 0)
	case map[string]any:
		if y == nil {
			return nil, true
		}
		out := make(map[string]any, len(y))
		for k, e := range y {
			if !utf8.ValidString(k) {
				return nil, false
			}
			c, ok := plainAny(e, depth+1)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	case []any:
		if y == nil {
			return nil, true
		}
		out := make([]any, len(y))
		for i, e := range y {
			c, ok := plainAny(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	}
	return plain(reflect.ValueOf(x), depth)
}

// Fields maps the JSON member names of struct type t to their field types,
// as encoding/json names them: the tag's name, else the field's; "-" and
// unexported fields left out; the fields of embedded structs promoted (an
// outer field wins over a promoted one of the same name). The map is built
// once per type and shared: read it, never change it.
func Fields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := computeFields(t)
	fieldCache.Store(t, f)
	return f
}

// fieldCache holds Fields per type: reflection for every line of an input
// would cost more than the decoding.
var fieldCache sync.Map

func computeFields(t reflect.Type) map[string]reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	fields := map[string]reflect.Type{}
	if t.Kind() != reflect.Struct {
		return fields
	}
	for sf := range t.Fields() {
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range Fields(et) {
					if _, ok := fields[k]; !ok {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	return fields
}
