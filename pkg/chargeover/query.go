package chargeover

import (
	"fmt"
	"strings"

	"github.com/billbridge/billbridge"
)

// Page sizes of ListCustomers. ChargeOver documents neither a default nor a
// maximum page size; these are billbridge's choices, and the spec declares
// limit 1 to MaxPageSize.
const (
	// DefaultPageSize is the page size when CustomerQuery.PageSize is 0.
	DefaultPageSize = 100
	// MaxPageSize is the largest CustomerQuery.PageSize.
	MaxPageSize = 500
)

// Operator is a comparison of a where condition, as ChargeOver documents it.
type Operator string

// The documented operators. IsNull and IsNotNull take no value.
const (
	Equals         Operator = "EQUALS"    // equal to Value
	NotEquals      Operator = "NOTEQUALS" // not equal to Value
	GreaterThan    Operator = "GT"        // greater than Value
	LessThan       Operator = "LT"        // less than Value
	GreaterOrEqual Operator = "GTE"       // greater than or equal to Value
	LessOrEqual    Operator = "LTE"       // less than or equal to Value
	Contains       Operator = "CONTAINS"  // a string containing Value
	IsNull         Operator = "IS"        // null/unset (sent as field:IS:NULL)
	IsNotNull      Operator = "ISNOT"     // not null (sent as field:ISNOT:NULL)
)

// Condition is one where condition: Field Op Value. Field is a field of the
// customer as read (customer_id, company, superuser_email, external_key,
// write_datetime, ...). Value is sent as text: ChargeOver's escapes for ":"
// and "," (and a doubled backslash) are added by the facade.
type Condition struct {
	// Field is the customer field compared, by its JSON name.
	Field string
	// Op is the comparison.
	Op Operator
	// Value is compared with the field; ignored by IsNull and IsNotNull.
	Value string
}

// SortKey is one key of a query's order.
type SortKey struct {
	// Field is the customer field sorted on, by its JSON name.
	Field string
	// Desc sorts descending; the default is ascending.
	Desc bool
}

// CustomerQuery is what ListCustomers reads: the conditions (all must
// hold), the order and the page size.
type CustomerQuery struct {
	// Where are the conditions; none lists every customer.
	Where []Condition
	// Order sorts the result; empty means customer_id ascending. The facade
	// appends customer_id ascending as the tie-breaker unless the order
	// names customer_id.
	Order []SortKey
	// PageSize is the number of customers per request: 0 takes
	// DefaultPageSize; above MaxPageSize the iterator yields a
	// *billbridge.ValidationError (Field "page_size") and sends nothing.
	PageSize int
}

// where renders the conditions as ChargeOver's where parameter.
func (q CustomerQuery) where() (string, error) {
	parts := make([]string, 0, len(q.Where))
	for i, c := range q.Where {
		if !fieldName(c.Field) {
			return "", &billbridge.ValidationError{Field: "where", Reason: fmt.Sprintf("condition %d: field %q is not a field name (letters, digits, _)", i, c.Field)}
		}
		switch c.Op {
		case IsNull, IsNotNull:
			parts = append(parts, c.Field+":"+string(c.Op)+":NULL")
		case Equals, NotEquals, GreaterThan, LessThan, GreaterOrEqual, LessOrEqual, Contains:
			parts = append(parts, c.Field+":"+string(c.Op)+":"+escapeValue(c.Value))
		default:
			return "", &billbridge.ValidationError{Field: "where", Reason: fmt.Sprintf("condition %d: unknown operator %q", i, c.Op)}
		}
	}
	return strings.Join(parts, ","), nil
}

// order renders the sort keys, customer_id ascending appended as the
// tie-breaker; monotonic reports that the order is customer_id ascending
// first, so that ids only grow along a walk.
func (q CustomerQuery) order() (s string, monotonic bool, err error) {
	return q.orderBy("customer_id")
}

// orderBy renders the sort keys with idField (the listed object's id)
// ascending appended as the tie-breaker; monotonic reports that the order
// is idField ascending first.
func (q CustomerQuery) orderBy(idField string) (s string, monotonic bool, err error) {
	keys := make([]string, 0, len(q.Order)+1)
	hasID := false
	for i, k := range q.Order {
		if !fieldName(k.Field) {
			return "", false, &billbridge.ValidationError{Field: "order", Reason: fmt.Sprintf("key %d: field %q is not a field name (letters, digits, _)", i, k.Field)}
		}
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		keys = append(keys, k.Field+":"+dir)
		hasID = hasID || k.Field == idField
	}
	if !hasID {
		keys = append(keys, idField+":ASC")
	}
	return strings.Join(keys, ","), keys[0] == idField+":ASC", nil
}

// escapeValue escapes ":" and "," as ChargeOver documents, and a backslash
// by doubling it (not documented: without it a value ending in "\" would
// escape the separator after it).
func escapeValue(v string) string {
	if !strings.ContainsAny(v, `:,\`) {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		if r == ':' || r == ',' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func fieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
