package jsoncopy

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/jsonvalue"
	"github.com/billbridge/billbridge/pkg/flex"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// convertViaJSON is the JSON round trip convert replaces: the reference
// the differential tests hold it to.
func convertViaJSON[T any](v any) T {
	var out T
	mustJSON(json.Unmarshal(marshal(v), &out))
	return out
}

// same requires Convert[T](src) to equal the JSON round trip, panics
// included.
func same[T any](t *testing.T, src any) {
	t.Helper()
	want, wantPanic := catch(func() T { return convertViaJSON[T](src) })
	got, gotPanic := catch(func() T { return Convert[T](src) })
	if (wantPanic == nil) != (gotPanic == nil) {
		t.Fatalf("Convert[%T] of %#v: panic %v, the round trip's %v", want, src, gotPanic, wantPanic)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Convert[%T] differs from the JSON round trip\nsource: %#v\n   got: %#v\n  want: %#v", want, src, got, want)
	}
}

func catch[T any](f func() T) (v T, p any) {
	defer func() { p = recover() }()
	return f(), nil
}

// filler sets every exported field of a value, nested ones included, with
// random values; with full set, no pointer is nil and no slice or map is
// empty.
type filler struct {
	r    *rand.Rand
	full bool
}

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[openapi_types.Date]()
)

func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(f.time()))
		return
	case dateType:
		v.Set(reflect.ValueOf(openapi_types.Date{Time: f.time()}))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if f.maybe(depth) {
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem(), depth+1)
			v.Set(p)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				f.fill(v.Field(i), depth)
			}
		}
	case reflect.Slice:
		if n, ok := f.size(depth); ok {
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				f.fill(s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if n, ok := f.size(depth); ok {
			m := reflect.MakeMap(v.Type())
			for range n {
				e := reflect.New(v.Type().Elem()).Elem()
				f.fill(e, depth+1)
				m.SetMapIndex(reflect.ValueOf(f.str()).Convert(v.Type().Key()), e)
			}
			v.Set(m)
		}
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Interface:
		if v.NumMethod() > 0 { // fmt.Stringer: decoding into it fails
			if !f.full && f.r.IntN(10) == 0 {
				v.Set(reflect.ValueOf(time.Second))
			}
		} else if x := f.any(depth); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt([]int64{0, 1, -7, 10000, math.MaxInt8}[f.r.IntN(5)])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint([]uint64{0, 1, 200}[f.r.IntN(3)])
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, 0.1, -2.5, 1e21, 123456789}[f.r.IntN(5)])
	default:
		panic("filler: no case for " + v.Type().String())
	}
}

// maybe reports whether to set a pointer: always when full, and less often
// deeper down (ClassSegment nests without end).
func (f *filler) maybe(depth int) bool {
	if f.full {
		return depth < 6
	}
	return f.r.IntN(depth+3) < 2
}

// size returns a slice or map length, and false for nil.
func (f *filler) size(depth int) (int, bool) {
	if f.full {
		return 1 + f.r.IntN(3), true
	}
	switch n := f.r.IntN(6); {
	case n == 0 || depth > 5:
		return 0, false
	case n == 1:
		return 0, true
	default:
		return n - 1, true
	}
}

func (f *filler) time() time.Time {
	t := time.Unix(f.r.Int64N(4e9), f.r.Int64N(1e9))
	if f.r.IntN(2) == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("X", 3600*f.r.IntN(10)))
}

func (f *filler) str() string {
	all := []string{"", "a", "Mid-Atlantic", "cus_42", "ünïcødé 日本", "<a&b>", "\u2028", "5000.0", "1e2"}
	if !f.full && f.r.IntN(20) == 0 {
		return "bad\xffutf-8" // encoding replaces the byte
	}
	return all[f.r.IntN(len(all))]
}

// any returns what JSON decodes into an interface{}, now and then
// something it does not (which the copier must round-trip).
func (f *filler) any(depth int) any {
	n := f.r.IntN(10)
	if depth > 4 {
		n %= 4
	}
	switch n {
	case 0:
		return nil
	case 1:
		return f.r.IntN(2) == 0
	case 2:
		return []float64{0, 42, -1.5, 1e-7, 1 << 60}[f.r.IntN(5)]
	case 3:
		return f.str()
	case 4, 5:
		m := map[string]any{}
		for range f.r.IntN(4) {
			m[f.str()] = f.any(depth + 1)
		}
		return m
	case 6, 7:
		s := []any{}
		for range f.r.IntN(4) {
			s = append(s, f.any(depth+1))
		}
		return s
	case 8:
		return []any{map[string]any(nil), []any(nil), []any{}, map[string]any{}}[f.r.IntN(4)]
	}
	if f.full {
		return "x"
	}
	return []any{7, int64(1<<60 + 1), float32(0.1), json.Number("12.50"), []string{"a"},
		map[string]int{"a": 1}, tightapi.ClassLabel{Name: ptr("n")}, flex.Decimal("1.0")}[f.r.IntN(8)]
}

// random returns a T with every field set at random.
func random[T any](seed uint64, full bool) T {
	var v T
	f := filler{r: rand.New(rand.NewPCG(seed, 1)), full: full}
	f.fill(reflect.ValueOf(&v).Elem(), 0)
	return v
}

// differential holds Convert[To] of random From values to the round trip.
func differential[From, To any](t *testing.T) {
	t.Run(fmt.Sprintf("%T to %T", *new(From), *new(To)), func(t *testing.T) {
		var zero From
		same[To](t, zero)
		for seed := range uint64(300) {
			v := random[From](seed, seed%3 == 0)
			same[To](t, v)
			same[To](t, &v)
		}
	})
}

func TestConvertIsTheJSONRoundTrip(t *testing.T) {
	differential[tightapi.CustomerInput, tightapi.Customer](t)
	differential[tightapi.InvoiceInput, tightapi.Invoice](t)
	differential[tightapi.CustomerInput, tightapi.CustomerInput](t)
	differential[tightapi.InvoiceInput, tightapi.InvoiceInput](t)
	differential[[]tightapi.ClassSegment, []tightapi.ClassSegment](t)
	differential[tightapi.Customer, tightapi.Customer](t) // createdDateTime is a time.Time
	differential[tightapi.Invoice, tightapi.Invoice](t)   // and collectionInfo's datetimes
	differential[tightapi.CustomerInput, *tightapi.Customer](t)
	differential[tightapi.CustomData, tightapi.CustomData](t)
	differential[map[string]any, any](t)
	differential[edgeSource, edgeTarget](t)
	differential[edgeSource, edgeSource](t)
	differential[embedding, flat](t)
	differential[quoted, quoted](t)
	differential[quoted, unquoted](t)
	differential[twoKeys, oneKey](t)
	differential[plainSource, decodingTarget](t)
	differential[marshalHolder, marshalHolder](t)
	differential[marshalHolder, plainHolder](t)
}

func TestConvertEdges(t *testing.T) {
	same[tightapi.Customer](t, nil)
	same[flex.Decimal](t, nil)
	same[[]tightapi.ClassSegment](t, []tightapi.ClassSegment(nil))
	same[[]tightapi.ClassSegment](t, []tightapi.ClassSegment{})
	same[*[]string](t, ptr([]string(nil))) // a pointer to null stays nil
	same[tightapi.Customer](t, tightapi.CustomerInput{CcEmails: ptr([]string{})})
	same[tightapi.Customer](t, tightapi.CustomerInput{CustomData: &tightapi.CustomData{"n": math.NaN()}})
	same[tightapi.Customer](t, tightapi.CustomerInput{CustomData: &tightapi.CustomData{"\xff": 1.0, "\xfe": 2.0}})
	same[edgeTarget](t, edgeSource{F: math.Inf(1)})
	same[edgeTarget](t, edgeSource{Name: "bad\xff"})
	same[map[string]string](t, map[string]string{"ok": "x", "bad\xff": "y"})
	same[string](t, 5) // a decoding error panics, as before
	same[edgeTarget](t, edgeSource{unexp: "ignored"})
	same[[]int](t, []byte{1, 2})
	same[[]byte](t, []byte{})
	same[[]byte](t, []byte{1, 2})
}

// Types for the cases the generated ones do not have.
type (
	textKey  string
	textish  string
	edgeAddr struct {
		Line  string  `json:"line"`
		Extra *string `json:"extra,omitempty"`
	}
	edgeSource struct {
		Arr  [2]int  `json:"arr"`
		N    int     `json:"n"`
		I32  int32   `json:"i32"`
		U    uint16  `json:"u,omitempty"`
		F    float64 `json:"f"`
		F32  float32 `json:"f32"`
		Any  any     `json:"any"`
		PAny *any    `json:"pAny,omitempty"`
		Skip string  `json:"-"`
		//lint:ignore SA5008 encoding/json names this field "-", and so must the copier
		Dash  string `json:"-,"`
		Name  string `json:"name"`
		NoTag string
		//lint:ignore SA5008 an invalid name, which encoding/json replaces by the field name
		BadTag   string             `json:"a\"b"`
		Bytes    []byte             `json:"bytes,omitempty"`
		Empty    []string           `json:"empty,omitempty"`
		Zero     int                `json:"zero,omitempty"`
		Ptrs     **string           `json:"ptrs"`
		Str      string             `json:"str"`
		M        map[string]int     `json:"m"`
		MP       map[string]*string `json:"mp"`
		Keys     map[textKey]string `json:"keys"`
		T        time.Time          `json:"t"`
		PT       *time.Time         `json:"pt"`
		Text     textish            `json:"text"`
		Addr     edgeAddr           `json:"addr"`
		Addrs    []*edgeAddr        `json:"addrs"`
		Stringer fmt.Stringer       `json:"stringer"`
		unexp    string
	}
	edgeTarget struct {
		Arr  [2]int   `json:"arr"`
		N    float64  `json:"n"`   // int into float64
		I32  int64    `json:"i32"` // another int kind
		U    *uint16  `json:"u"`
		F    *float64 `json:"f"`
		F32  float32  `json:"f32"`
		Any  any      `json:"any"`
		PAny *any     `json:"pAny"`
		Skip string   `json:"-"`
		//lint:ignore SA5008 encoding/json names this field "-", and so must the copier
		Dash     string `json:"-,"`
		NAME     string `json:"NAME"` // matched case-insensitively
		NoTag    *string
		BadTag   string
		Bytes    []byte            `json:"bytes"`
		Empty    []string          `json:"empty"`
		Zero     *int              `json:"zero"`
		Ptrs     string            `json:"ptrs"`
		Str      any               `json:"str"` // a string into an interface
		M        map[textKey]int   `json:"m"`
		MP       map[string]string `json:"mp"`
		Keys     map[textKey]any   `json:"keys"`
		T        *time.Time        `json:"t"`
		PT       time.Time         `json:"pt"`
		Text     textish           `json:"text"`
		Addr     *edgeAddr         `json:"addr"`
		Addrs    []edgeAddr        `json:"addrs"`
		Stringer fmt.Stringer      `json:"stringer"`
	}
	Inner     struct{ Y int }
	embedding struct {
		Inner
		X int
	}
	flat   struct{ X, Y int }
	quoted struct {
		N int `json:"n,string"`
	}
	unquoted struct {
		N int `json:"n"`
	}
	twoKeys struct {
		A  *string `json:"a"`
		A2 *string `json:"A"`
	}
	oneKey struct {
		A *string `json:"a"`
	}
	// loud decodes itself (and a null) in its own way.
	loud        string
	plainSource struct {
		S  string  `json:"s"`
		PS *string `json:"ps"`
	}
	decodingTarget struct {
		S  loud `json:"s"`
		PS loud `json:"ps"`
	}
	// ptrMarshaler encodes itself only when json.Marshal reaches it through
	// an address.
	ptrMarshaler  struct{ V string }
	marshalHolder struct {
		P ptrMarshaler   `json:"p"`
		S []ptrMarshaler `json:"s"`
	}
	plainHolder struct {
		P struct{ V string } `json:"p"`
		S []struct{ V string }
	}
)

func (t textKey) MarshalText() ([]byte, error) { return []byte("k" + t), nil }
func (t *textKey) UnmarshalText(b []byte) error {
	*t = textKey(b)
	return nil
}
func (t textish) MarshalText() ([]byte, error) { return []byte("t" + t), nil }
func (l *loud) UnmarshalJSON(b []byte) error {
	*l = loud("decoded " + string(b))
	return nil
}
func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"V": "marshalled " + p.V})
}

// scribble changes every value reachable from v in place: strings, numbers
// and booleans, the elements of slices, the entries of maps, what pointers
// and interfaces point to.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		switch e := v.Elem(); e.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer:
			scribble(e)
		default:
			if v.CanSet() {
				v.Set(reflect.ValueOf("scribbled"))
			}
		}
	case reflect.Struct:
		if jsonvalue.OwnEncoding(v.Type()) {
			if v.CanSet() {
				v.SetZero()
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scribble(e)
			v.SetMapIndex(k, e)
		}
		v.SetMapIndex(reflect.ValueOf("scribbled").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	}
}

// sharesNothing requires that scribbling over Convert[To] of full From
// values leaves the source as it was.
func sharesNothing[From, To any](t *testing.T) {
	t.Run(fmt.Sprintf("%T to %T", *new(From), *new(To)), func(t *testing.T) {
		for seed := range uint64(20) {
			src := random[From](seed, true)
			before := marshal(src)
			out := Convert[To](src)
			was := marshal(out)
			scribble(reflect.ValueOf(&out).Elem())
			if string(marshal(out)) == string(was) {
				t.Fatalf("scribble changed nothing in %s", was)
			}
			if after := marshal(src); string(after) != string(before) {
				t.Fatalf("changing the result changed the source\nbefore: %s\n after: %s", before, after)
			}
		}
	})
}

func TestConvertSharesNothing(t *testing.T) {
	sharesNothing[tightapi.CustomerInput, tightapi.Customer](t)
	sharesNothing[tightapi.CustomerInput, tightapi.CustomerInput](t)
	sharesNothing[tightapi.InvoiceInput, tightapi.Invoice](t)
	sharesNothing[tightapi.InvoiceInput, tightapi.InvoiceInput](t)
	sharesNothing[[]tightapi.ClassSegment, []tightapi.ClassSegment](t)
	sharesNothing[tightapi.CustomData, tightapi.CustomData](t)
}

// benchCustomer is a customer as a client saves one: a few fields and the
// create key in customData, with some more free-form data.
func benchCustomer() tightapi.CustomerInput {
	return tightapi.CustomerInput{
		Id:           ptr("cus_b000042"),
		Name:         ptr("Customer 42"),
		Email:        ptr("billing42@example.com"),
		BusinessName: ptr("Acme Corp"),
		Address:      &tightapi.CustomerAddressInput{Address1: ptr("1 Main St"), City: ptr("Springfield"), State: ptr("IL"), Zip: ptr("62701")},
		CcEmails:     &tightapi.EmailList{"cc@example.com"},
		CustomData: &tightapi.CustomData{
			"billbridgeCreateKey": "k_3f2a9c0d5e6b7a8c",
			"plan":                "gold",
			"seats":               12.0,
			"tags":                []any{"a", "b"},
			"meta":                map[string]any{"source": "import", "verified": true, "score": 0.75},
		},
	}
}

func BenchmarkConvertCustomer(b *testing.B) {
	in := benchCustomer()
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Convert[tightapi.Customer](in)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = convertViaJSON[tightapi.Customer](in)
		}
	})
}

// BenchmarkConvertInvoice is the same for an invoice, whose decimals, date
// and flags (flex and oapi-codegen types) take the JSON round trip one by
// one.
func BenchmarkConvertInvoice(b *testing.B) {
	line := tightapi.LineItemInput{Description: ptr("Seats"), Price: ptr(flex.Decimal("5000.0")), Quantity: ptr(flex.Decimal("2.0")), GlAccountId: ptr("gla_1")}
	in := tightapi.InvoiceInput{
		Id:             ptr("inv_b000042"),
		CustomerId:     ptr("cus_b000042"),
		Name:           ptr("Invoice 42"),
		Date:           &openapi_types.Date{Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		LineItems:      &[]tightapi.LineItemInput{line, line},
		CollectionInfo: &tightapi.CollectionInfoInput{SendEmail: ptr(flex.Bool(true)), PaymentMethods: &tightapi.PaymentMethods{"DIRECT"}},
		CustomData:     &tightapi.CustomData{"billbridgeCreateKey": "k_3f2a9c0d5e6b7a8c"},
	}
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Convert[tightapi.Invoice](in)
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = convertViaJSON[tightapi.Invoice](in)
		}
	})
}
func ptr[T any](v T) *T { return &v }
