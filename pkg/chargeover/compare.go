package chargeover

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// normal is a value as ChargeOver stores it, as text (nil stays nil: absent).
func normal(field string, v any) any {
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
	case nil:
		return nil
	case map[string]any:
		return x // an object (an invoice line): compared field by field
	case []any:
		if slices.ContainsFunc(x, func(e any) bool { _, obj := e.(map[string]any); return obj }) {
			return x // a list of objects (an invoice's lines): compared element by element
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i], _ = normal(field, e).(string)
		}
		sort.Strings(parts)
		return strings.Join(parts, "\x00")
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}
