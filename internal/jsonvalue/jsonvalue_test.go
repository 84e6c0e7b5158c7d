package jsonvalue

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// customData is the shape of the generated free-form types.
type customData map[string]interface{}

// TestPlainMatchesRoundTrip: Plain gives exactly what encoding and decoding
// gives, and refuses what encoding would change or handle itself.
func TestPlainMatchesRoundTrip(t *testing.T) {
	type named map[string]any
	n := 7
	plain := []any{
		nil, "x", "ÄÖÜ", true, 3, int64(-1 << 40), uint8(200), 2.5, &n, (*int)(nil),
		named{"a": 1, "b": []any{"x", 2, nil, map[string]any{"c": false}}},
		customData{"billbridge_create_key": "k", "n": 23434},
		map[string]int{"x": 1}, []string{"a"}, []int(nil), map[string]any(nil),
	}
	for _, in := range plain {
		got, ok := Plain(reflect.ValueOf(&in).Elem())
		if !ok {
			t.Errorf("%#v: refused", in)
			continue
		}
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%#v: Plain %#v, round trip %#v", in, got, want)
		}
	}
	notPlain := []any{
		float32(0.1), math.NaN(), math.Inf(1), "\xff", []byte("x"), struct{ A int }{1},
		[2]int{1, 2}, time.Unix(0, 0), map[string]any{"t": time.Unix(0, 0)}, []any{float32(1.1)},
		map[int]string{1: "x"}, map[string]any{"\xff": 1}, json.RawMessage(`{}`),
	}
	for _, in := range notPlain {
		if got, ok := Plain(reflect.ValueOf(&in).Elem()); ok {
			t.Errorf("%#v: taken as plain (%#v); encoding would change it or encode it its own way", in, got)
		}
	}
}

// TestEmptyIsOmitempty: Empty says empty exactly where encoding/json leaves
// an omitempty field out.
func TestEmptyIsOmitempty(t *testing.T) {
	var nilPtr *int
	values := []any{
		false, true, 0, 1, int8(0), uint(0), uint(3), uintptr(0), 0.0, -0.5, float32(0), "", "x",
		[]int(nil), []int{}, []int{1}, map[string]int{}, map[string]int{"a": 1}, [0]int{}, [1]int{},
		nilPtr, &struct{}{}, struct{}{}, struct{ A int }{},
	}
	for _, v := range values {
		field := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeOf(v), Tag: `json:"f,omitempty"`}})
		s := reflect.New(field).Elem()
		s.Field(0).Set(reflect.ValueOf(v))
		raw, err := json.Marshal(s.Interface())
		if err != nil {
			t.Fatal(err)
		}
		if omitted := string(raw) == "{}"; Empty(s.Field(0)) != omitted {
			t.Errorf("%#v: Empty %v, encoding/json %s", v, Empty(s.Field(0)), raw)
		}
	}
	var iface any
	if !Empty(reflect.ValueOf(&iface).Elem()) {
		t.Error("a nil interface is empty")
	}
}
