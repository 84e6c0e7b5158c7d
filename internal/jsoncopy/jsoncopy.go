// Package jsoncopy copies a value of one generated type into another, or
// into a deep copy of itself, exactly as a JSON round trip would, without
// the round trip's cost. The fakes (pkg/*/…test) keep every field of the
// generated types through it, with no hand-written field lists: a field
// added to a spec and regenerated is stored and answered at once.
package jsoncopy

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/billbridge/billbridge/internal/jsonvalue"
)

// The fake copies every entity it stores or answers with from one generated
// type into another (CustomerInput into Customer, a request's InvoiceInput
// into the stored one, ...). A JSON round trip states that copy exactly:
// fields are matched by JSON name, what the target lacks is dropped, and
// nothing is shared with the source. But it was about a fifth of the fake's
// CPU in a save, and the fake shares its cores with the client the
// benchmarks measure. So convert walks the values with reflection instead,
// following a plan compiled once per (target, source) type pair, and gives
// the very result of the round trip:
//
//   - fields are matched as json.Unmarshal matches keys: exact name first,
//     then the first case-insensitive match; omitempty fields that are empty
//     are skipped (an empty slice stays nil), `json:"-"` and unexported
//     fields are ignored;
//   - pointers are followed on the source side and allocated on the target
//     side, so *string and string meet; a source that encodes as null (a nil
//     pointer, map or slice) leaves the target zero;
//   - slices and maps are rebuilt, and interface values holding what JSON
//     decodes to (nil, bool, float64, string, map[string]any, []any) are
//     copied deeply, so the result shares no memory with the source.
//
// Anything else takes the JSON round trip, for that value alone: a type
// with its own JSON or text encoding on either side (time.Time, the flex
// types, oapi-codegen dates and unions), embedded fields, ",string" and
// omitzero options, two fields meeting one target field, arrays, []byte,
// different kinds (int into float64), a non-empty interface, an interface
// value of any other dynamic type, a string or map key that is not valid
// UTF-8 (encoding replaces its bytes), a NaN or an infinity (encoding fails,
// and the fake panics as before). Like the round trip for any value that
// came from JSON, the copier assumes the source has no pointer cycles.

// Convert copies v into another shape, as a JSON round trip would (fields the
// target lacks are dropped, such as customerId and glAccountId on the way
// out).
func Convert[T any](v any) T {
	var out T
	if v == nil {
		mustJSON(json.Unmarshal([]byte("null"), &out))
		return out
	}
	dst := reflect.ValueOf(&out).Elem()
	src := reflect.ValueOf(v)
	copierOf(dst.Type(), src.Type()).copy(dst, src)
	return out
}

// Clone deep-copies v, so stored entities share nothing with requests or
// answers.
func Clone[T any](v T) T { return Convert[T](v) }

// A copier fills dst, a zero and addressable value of its target type, from
// src as json.Unmarshal(json.Marshal(src), dst.Addr()) would. It is held by
// pointer so that a recursive type (ClassSegment.Child) can refer to the
// copier being compiled.
type copier struct{ copy func(dst, src reflect.Value) }

type typePair struct{ dst, src reflect.Type }

// copiers caches the compiled copiers by typePair.
var copiers sync.Map

// copierOf returns the copier from src to dst, compiling it the first time.
func copierOf(dst, src reflect.Type) *copier {
	if c, ok := copiers.Load(typePair{dst, src}); ok {
		return c.(*copier)
	}
	b := compiler{made: map[typePair]*copier{}}
	c := b.compile(dst, src)
	// Published only when complete: a copier under compilation is visible
	// to this compiler alone.
	for k, v := range b.made {
		copiers.LoadOrStore(k, v)
	}
	return c
}

type compiler struct{ made map[typePair]*copier }

func (b *compiler) compile(dst, src reflect.Type) *copier {
	k := typePair{dst, src}
	if c := b.made[k]; c != nil {
		return c
	}
	if c, ok := copiers.Load(k); ok {
		return c.(*copier)
	}
	c := &copier{}
	b.made[k] = c
	c.copy = b.build(dst, src)
	return c
}

// build returns the copy function from src to dst, a JSON round trip where
// the copier does not know the types' encoding.
func (b *compiler) build(dst, src reflect.Type) func(dst, src reflect.Value) {
	if jsonvalue.OwnEncoding(dst) || jsonvalue.OwnEncoding(src) {
		return viaJSON
	}
	switch sk, dk := src.Kind(), dst.Kind(); {
	case sk == reflect.Pointer:
		elem := b.compile(dst, src.Elem())
		return func(d, s reflect.Value) {
			if !s.IsNil() {
				elem.copy(d, s.Elem())
			}
		}
	case dk == reflect.Pointer && sk != reflect.Interface:
		elem, t := b.compile(dst.Elem(), src), dst.Elem()
		return func(d, s reflect.Value) {
			if (sk == reflect.Map || sk == reflect.Slice) && s.IsNil() {
				return // null leaves the pointer nil
			}
			p := reflect.New(t)
			elem.copy(p.Elem(), s)
			d.Set(p)
		}
	case sk == reflect.Struct && dk == reflect.Struct:
		return b.structCopier(dst, src)
	case sk == reflect.Slice && dk == reflect.Slice && src.Elem().Kind() != reflect.Uint8 && dst.Elem().Kind() != reflect.Uint8:
		elem := b.compile(dst.Elem(), src.Elem())
		return func(d, s reflect.Value) {
			if s.IsNil() {
				return
			}
			n := s.Len()
			out := reflect.MakeSlice(dst, n, n)
			for i := range n {
				elem.copy(out.Index(i), s.Index(i))
			}
			d.Set(out)
		}
	case sk == reflect.Map && dk == reflect.Map && src.Key().Kind() == reflect.String && dst.Key().Kind() == reflect.String:
		if src.ConvertibleTo(anyMapType) && dst.ConvertibleTo(anyMapType) {
			return func(d, s reflect.Value) { // CustomData and the like
				if !s.IsNil() {
					d.Set(reflect.ValueOf(copyJSON(s)).Convert(dst))
				}
			}
		}
		return b.mapCopier(dst, src)
	case sk == reflect.Interface && dk == reflect.Interface && src.NumMethod() == 0 && dst.NumMethod() == 0:
		return func(d, s reflect.Value) {
			if x := copyJSON(s); x != nil {
				d.Set(reflect.ValueOf(x))
			}
		}
	case sk != dk:
		return viaJSON
	}
	switch src.Kind() {
	case reflect.String:
		return func(d, s reflect.Value) {
			if x := s.String(); utf8.ValidString(x) {
				d.SetString(x)
			} else {
				viaJSON(d, s)
			}
		}
	case reflect.Bool:
		return func(d, s reflect.Value) { d.SetBool(s.Bool()) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(d, s reflect.Value) { d.SetInt(s.Int()) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(d, s reflect.Value) { d.SetUint(s.Uint()) }
	case reflect.Float32, reflect.Float64:
		return func(d, s reflect.Value) {
			if f := s.Float(); !math.IsNaN(f) && !math.IsInf(f, 0) {
				d.SetFloat(f)
			} else {
				viaJSON(d, s)
			}
		}
	}
	return viaJSON
}

// mapCopier copies maps keyed by plain strings (OwnEncoding has excluded key
// types with text encodings).
func (b *compiler) mapCopier(dst, src reflect.Type) func(dst, src reflect.Value) {
	elem, sameKey := b.compile(dst.Elem(), src.Elem()), dst.Key() == src.Key()
	return func(d, s reflect.Value) {
		if s.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(dst, s.Len())
		for it := s.MapRange(); it.Next(); {
			k := it.Key()
			if !utf8.ValidString(k.String()) {
				viaJSON(d, s)
				return
			}
			if !sameKey {
				k = k.Convert(dst.Key())
			}
			v := reflect.New(dst.Elem()).Elem()
			elem.copy(v, it.Value())
			out.SetMapIndex(k, v)
		}
		d.Set(out)
	}
}

// A fieldCopy copies one struct field into the target field of its name.
type fieldCopy struct {
	src, dst  int
	omitEmpty bool
	c         *copier
}

func (b *compiler) structCopier(dst, src reflect.Type) func(dst, src reflect.Value) {
	from, ok1 := jsonFields(src)
	to, ok2 := jsonFields(dst)
	if !ok1 || !ok2 {
		return viaJSON
	}
	var plan []fieldCopy
	taken := map[int]bool{}
	for _, f := range from {
		j := matchField(to, f.name)
		if j < 0 {
			continue
		}
		if taken[j] {
			return viaJSON // the second key would decode over the first
		}
		taken[j] = true
		plan = append(plan, fieldCopy{f.index, to[j].index, f.omitEmpty, b.compile(to[j].typ, f.typ)})
	}
	return func(d, s reflect.Value) {
		for _, f := range plan {
			v := s.Field(f.src)
			if f.omitEmpty && jsonvalue.Empty(v) {
				continue
			}
			f.c.copy(d.Field(f.dst), v)
		}
	}
}

type jsonField struct {
	name      string
	index     int
	typ       reflect.Type
	omitEmpty bool
}

// jsonFields lists the fields encoding/json sees in t, in field order. It
// reports false for what the copier leaves to encoding/json: embedded
// fields, ",string" and omitzero, and duplicate names.
func jsonFields(t reflect.Type) ([]jsonField, bool) {
	var fields []jsonField
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		tag := sf.Tag.Get("json")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !isValidTag(name) {
			name = sf.Name
		}
		f := jsonField{name: name, index: i, typ: sf.Type}
		for opts != "" {
			var opt string
			opt, opts, _ = strings.Cut(opts, ",")
			switch opt {
			case "omitempty":
				f.omitEmpty = true
			case "string", "omitzero":
				return nil, false
			}
		}
		if seen[name] {
			return nil, false
		}
		seen[name] = true
		fields = append(fields, f)
	}
	return fields, true
}

// matchField returns the index in fields of the field json.Unmarshal would
// decode the key name into, or -1.
func matchField(fields []jsonField, name string) int {
	for j, f := range fields {
		if f.name == name {
			return j
		}
	}
	for j, f := range fields {
		if strings.EqualFold(f.name, name) {
			return j
		}
	}
	return -1
}

// isValidTag is encoding/json's test of a tag name (an invalid one is
// replaced by the Go field name).
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

var anyMapType = reflect.TypeFor[map[string]any]()

// viaJSON is the JSON round trip of one value. src is marshalled through
// its address when it has one, as json.Marshal reaches an addressable value
// (and calls its pointer-receiver MarshalJSON).
func viaJSON(dst, src reflect.Value) {
	if src.CanAddr() {
		src = src.Addr()
	}
	mustJSON(json.Unmarshal(marshal(src.Interface()), dst.Addr().Interface()))
}

// copyJSON deep-copies v, an interface or a free-form map: what JSON
// decodes to is copied directly, anything else takes the round trip.
func copyJSON(v reflect.Value) any {
	if x, ok := jsonvalue.Plain(v); ok {
		return x
	}
	return roundTrip(v.Interface())
}

func roundTrip(x any) any {
	var out any
	mustJSON(json.Unmarshal(marshal(x), &out))
	return out
}

// Merge returns a copy of base with every member patch carries in JSON (a
// member present and not null) replacing base's member of the same name,
// arrays and objects as a whole: a partial update (PATCH, an upsert, a PUT
// of the fields sent) of a stored entity by a generated request type,
// with no field list to keep. The generated request types omit absent
// optional fields, so "present" is what the client sent.
func Merge[T any](base T, patch any) T {
	var doc, members map[string]json.RawMessage
	mustJSON(json.Unmarshal(marshal(base), &doc))
	mustJSON(json.Unmarshal(marshal(patch), &members))
	if doc == nil {
		doc = map[string]json.RawMessage{}
	}
	for k, v := range members {
		if string(v) != "null" {
			doc[k] = v
		}
	}
	var out T
	mustJSON(json.Unmarshal(marshal(doc), &out))
	return out
}

// marshal is json.Marshal for values that came from JSON.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	mustJSON(err)
	return b
}

// mustJSON panics on an error that would mean a bug in the caller: the
// values came from JSON and the generated types round-trip.
func mustJSON(err error) {
	if err != nil {
		panic("jsoncopy: " + err.Error())
	}
}
