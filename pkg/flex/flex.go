// Package flex holds small JSON types that read the forms real provider
// servers send when they drift from their documents, and write the documented
// form. The specs point at them with x-go-type, so the generated models stay
// tolerant without anyone editing generated code.
//
// Decimal reads a decimal written as a JSON string ("5.0") or as a JSON number
// (5.0) and always writes a string. Bool reads true/false, 0/1 and their
// quoted forms and always writes true or false.
package flex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Decimal is a decimal number kept as its exact text, so that no precision is
// lost on the way through (money and tax rates must not pass through float64).
// The zero value is the empty string, which marshals as "".
type Decimal string

// String returns the decimal's text.
func (d Decimal) String() string { return string(d) }

// Float64 parses the decimal; it is a convenience for display and arithmetic
// that tolerates rounding, never for re-encoding.
func (d Decimal) Float64() (float64, error) { return strconv.ParseFloat(string(d), 64) }

// MarshalJSON writes the decimal as a JSON string, the documented form.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(string(d)) }

// UnmarshalJSON accepts a JSON string or a JSON number. A number keeps its
// literal text ("5.0" stays "5.0", "1e2" stays "1e2").
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("flex: empty decimal")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("flex: decimal: %w", err)
		}
		*d = Decimal(s)
		return nil
	case bytes.Equal(b, []byte("null")):
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("flex: decimal %s is neither a string nor a number", truncate(b))
		}
		*d = Decimal(n.String())
		return nil
	}
}

// Bool is a boolean that also reads the 0/1 form some servers send.
type Bool bool

// MarshalJSON writes true or false.
func (v Bool) MarshalJSON() ([]byte, error) { return strconv.AppendBool(nil, bool(v)), nil }

// UnmarshalJSON accepts true, false, 0, 1, and the same values quoted.
// Anything else is an error that quotes the offending value.
func (v *Bool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) >= 2 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("flex: bool: %w", err)
		}
	}
	switch s {
	case "true", "1":
		*v = true
	case "false", "0", "":
		*v = false
	default:
		return fmt.Errorf("flex: %s is not a boolean", truncate(b))
	}
	return nil
}

// Ptr returns a pointer to v; generated models use pointers for optional
// fields, and this keeps literals short: flex.Ptr(flex.Decimal("5.0")).
func Ptr[T any](v T) *T { return &v }

func truncate(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
