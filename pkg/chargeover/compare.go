package chargeover

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// differs compares a create with the customer ChargeOver stores under its
// external_key and returns the first field (in JSON name order) the create
// sets to another value than the stored one, with both values as text; ""
// when the stored customer holds the create's data. Only fields the create
// sets and the read carries are compared (a create-only field such as
// superuser_username cannot be read back). Values are normalised as
// ChargeOver stores them: surrounding spaces trimmed, booleans as 0/1,
// numbers by value, e-mail addresses without regard to case.
func differs(sent CustomerCreate, stored Customer) (field, storedText, sentText string) {
	a, b := fields(sent), fields(stored)
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		got, ok := b[k]
		if !ok || k == "external_key" {
			continue
		}
		want := a[k]
		if normal(k, want) != normal(k, got) {
			return k, text(got), text(want)
		}
	}
	return "", "", ""
}

// fields is v's JSON object, nulls left out.
func fields(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil
	}
	for k, x := range m {
		if x == nil {
			delete(m, k)
		}
	}
	return m
}

// normal is a value as ChargeOver stores it, as text.
func normal(field string, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "1"
		}
		return "0"
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return x.String()
	case string:
		s := strings.TrimSpace(x)
		switch s {
		case "true":
			return "1"
		case "false":
			return "0"
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && s != "" {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		if strings.Contains(field, "email") {
			s = strings.ToLower(s)
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = normal(field, e)
		}
		sort.Strings(parts)
		return strings.Join(parts, "\x00")
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// text is a value for a message.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
