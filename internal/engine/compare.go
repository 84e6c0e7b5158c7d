package engine

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/billbridge/billbridge"
)

// Rules is a provider's normalisation for comparing an item with the entity
// it stores, declared once beside its facade. Paths name a field as in the
// request's JSON with array indexes left out ("custom_taxes/rate").
type Rules struct {
	// Normalize returns the form in which a value of the field at path is
	// compared (trimmed, lower-cased, a number by value, ...); nil compares
	// the values as JSON gives them, numbers by value. It sees both sides,
	// arrays and objects too (sort an array whose order the provider does
	// not keep).
	Normalize func(path string, v any) any
	// Ignore reports a pair that counts as equal whatever the values: a
	// stored value the provider fills in itself (Meteroid's "00" country),
	// or a field that carries none of the item's data (Tight's create
	// key). nil ignores nothing.
	Ignore func(path string, sent, stored any) bool
}

// Comparer compares an item of a generated request type with the entity the
// provider stores, field by field, from their JSON: every field the item
// sets counts, so a field added to a spec and regenerated is compared with
// no hand edit. The only fields skipped are those the spec marks writeOnly
// (accepted, never returned) and those the provider's Rules ignore.
type Comparer struct {
	writeOnly map[string]bool
	rules     Rules
}

// NewComparer returns a Comparer that skips the writeOnly paths (see
// validate.Validator.WriteOnly) and applies rules.
func NewComparer(writeOnly map[string]bool, rules Rules) *Comparer {
	return &Comparer{writeOnly: writeOnly, rules: rules}
}

// Diff returns the fields the item sets that the stored entity holds
// differently, in field-name order ("" values for a field the entity lacks).
// A field the item leaves unset (absent or null) is not compared.
func (c *Comparer) Diff(item, stored any) []billbridge.Change {
	var out []billbridge.Change
	c.walk("", "", jsonValue(item), jsonValue(stored), &out)
	return out
}

// WriteOnly reports whether the comparison skips the field at path.
func (c *Comparer) WriteOnly(path string) bool { return c.writeOnly[path] }

func (c *Comparer) walk(path, rule string, sent, stored any, out *[]billbridge.Change) {
	if sent == nil || path != "" && c.writeOnly[rule] {
		return
	}
	if c.rules.Ignore != nil && path != "" && c.rules.Ignore(rule, sent, stored) {
		return
	}
	// Differences are reported with the values as they were, compared as
	// normalised.
	rawSent, rawStored := sent, stored
	if c.rules.Normalize != nil && path != "" {
		sent, stored = c.rules.Normalize(rule, sent), c.rules.Normalize(rule, stored)
	}
	switch s := sent.(type) {
	case map[string]any:
		st, ok := stored.(map[string]any)
		if !ok && stored != nil {
			*out = append(*out, change(path, rawStored, rawSent))
			return
		}
		names := make([]string, 0, len(s))
		for k := range s {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			c.walk(join(path, k), join(rule, k), s[k], st[k], out)
		}
	case []any:
		st, ok := stored.([]any)
		if !ok && stored != nil || len(st) != len(s) {
			*out = append(*out, change(path, rawStored, rawSent))
			return
		}
		for i := range s {
			if s[i] == nil {
				if st[i] != nil {
					*out = append(*out, change(join(path, strconv.Itoa(i)), st[i], nil))
				}
				continue
			}
			c.walk(join(path, strconv.Itoa(i)), rule, s[i], st[i], out)
		}
	default:
		if !sameScalar(sent, stored) {
			*out = append(*out, change(path, rawStored, rawSent))
		}
	}
}

// sameScalar compares two JSON scalars, numbers by value ("1.50" written as
// a number equals 1.5).
func sameScalar(a, b any) bool {
	x, aNum := a.(json.Number)
	y, bNum := b.(json.Number)
	if aNum && bNum {
		return sameNumber(string(x), string(y))
	}
	return a == b
}

// sameNumber compares two decimal texts by value, falling back to the text
// when either is not a number.
func sameNumber(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	if okA && okB {
		return x.Cmp(y) == 0
	}
	return a == b
}

// Decimal is the form Normalize gives a decimal written as a number or as
// a string: its value, so that "0.20" and 0.2 compare equal. Anything that
// is not a decimal is returned as it is.
func Decimal(v any) any {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	default:
		return v
	}
	if r, ok := new(big.Rat).SetString(s); ok && s != "" {
		return json.Number(r.RatString())
	}
	return v
}

func change(path string, stored, sent any) billbridge.Change {
	return billbridge.Change{Field: path, Stored: text(stored), Sent: text(sent)}
}

// text is a value for a message: a string as it is, anything else as JSON,
// "" for absent.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "/" + key
}

// jsonValue is v as encoding/json sees it, numbers kept as json.Number.
func jsonValue(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var out any
	if d.Decode(&out) != nil {
		return nil
	}
	return out
}

// FieldValue returns the value at a "/"-separated path of v's JSON ("email",
// "customData/crm_id") as text, and whether it is set: how a natural key
// that the caller names is read from an item or an entity. Numbers and
// booleans give their JSON text; objects and arrays are not keys.
func FieldValue(v any, path string) (string, bool) {
	cur := jsonValue(v)
	for part := range strings.SplitSeq(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = m[part]
	}
	switch x := cur.(type) {
	case string:
		return x, x != ""
	case json.Number, bool:
		return text(x), true
	}
	return "", false
}
