package chargeovertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
)

// defaultLimit is the page size the fake uses when a list names no limit.
// ChargeOver documents no default; 10 is what its PHP client pages by.
const defaultLimit = 10

// maxLimit is the spec's maximum limit (billbridge's choice; ChargeOver
// documents none).
const maxLimit = 500

// view is a customer as a JSON object, numbers kept as json.Number.
func view(c any) map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Customer always marshals
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

// byID returns the index of the customer with this customer_id; the caller
// holds the lock. Ids are handed out in order from firstID and a deleted
// customer keeps its slot (in gone), so the index follows from the id.
func (st *store) byID(id int64) (int, bool) {
	i := id - firstID
	if i < 0 || i >= int64(len(st.customers)) || st.gone[int(i)] {
		return 0, false
	}
	return int(i), true
}

// updateLocked applies an update to customer id: only the fields sent
// change. It returns 202, or 404/400 and the reason; the caller holds the
// lock.
func (st *store) updateLocked(id int64, u chargeoverapi.CustomerUpdate) (int, string) {
	i, ok := st.byID(id)
	if !ok {
		return http.StatusNotFound, notFoundID(id)
	}
	if u.Company != nil && strings.TrimSpace(*u.Company) == "" {
		return http.StatusBadRequest, msgInvalid + " company must not be empty."
	}
	cur := st.customers[i]
	if u.ExternalKey != nil && (cur.ExternalKey == nil || *cur.ExternalKey != *u.ExternalKey) {
		if _, taken := st.used[*u.ExternalKey]; taken {
			return http.StatusBadRequest, fmt.Sprintf("A customer with external key %q already exists (external keys are never reusable).", *u.ExternalKey)
		}
	}
	// Merge the update's fields (their JSON names are the read's) into the
	// customer's JSON and decode a new value: the stored one is never
	// modified in place.
	patch, err := json.Marshal(u)
	if err != nil {
		return http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(patch, &fields); err != nil {
		return http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	whole, err := json.Marshal(cur)
	if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(whole, &merged); err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	for k, v := range fields {
		merged[k] = v
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return http.StatusInternalServerError, err.Error()
	}
	var next chargeoverapi.Customer
	if err := json.Unmarshal(b, &next); err != nil {
		return http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	st.customers[i], st.views[i] = next, view(next)
	if u.ExternalKey != nil {
		st.used[*u.ExternalKey] = i
	}
	st.customerEvent("update", next)
	return http.StatusAccepted, ""
}

func notFoundID(id int64) string {
	return fmt.Sprintf("%s No customer has customer_id %d.", msgNotFound, id)
}

// condition is one parsed where condition.
type condition struct {
	field, op, value string
}

// order is one parsed sort key.
type order struct {
	field string
	desc  bool
}

// query is a parsed list request.
type query struct {
	where         []condition
	order         []order
	offset, limit int64
}

var operators = map[string]bool{"EQUALS": true, "NOTEQUALS": true, "GT": true, "LT": true, "GTE": true, "LTE": true, "CONTAINS": true}

// splitEscaped splits s at every sep not preceded by a backslash, keeping
// the escapes in the parts.
func splitEscaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the next byte is escaped
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unescape reads "\x" as "x".
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+1 == len(s) {
				return "", errors.New("a value ends in a lone backslash")
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

func validField(f string) bool {
	if f == "" {
		return false
	}
	for _, r := range f {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// parseQuery reads where, order, offset and limit as ChargeOver documents
// them. The frame has checked them against the spec for a direct request;
// a _bulk sub-request's query is checked only here, to the same rules.
func (st *store) parseQuery(where, ord *string, offset *int64, limit *int32) (query, error) {
	return parseQueryOf(st.fields, where, ord, offset, limit)
}

// parseQueryOf is parseQuery for a resource whose read schema has fields.
func parseQueryOf(fields map[string]bool, where, ord *string, offset *int64, limit *int32) (query, error) {
	q := query{limit: defaultLimit}
	if offset != nil {
		if *offset < 0 {
			return q, errors.New("offset must not be negative")
		}
		q.offset = *offset
	}
	if limit != nil {
		if *limit < 1 || *limit > maxLimit {
			return q, fmt.Errorf("limit must be between 1 and %d", maxLimit)
		}
		q.limit = int64(*limit)
	}
	if where != nil && *where != "" {
		for _, part := range splitEscaped(*where, ',') {
			bits := splitEscaped(part, ':')
			if len(bits) != 3 || !validField(bits[0]) {
				return q, fmt.Errorf("condition %q is not field:OPERATOR:value (escape : and , in values)", part)
			}
			c := condition{field: bits[0], op: bits[1]}
			switch {
			case (c.op == "IS" || c.op == "ISNOT") && bits[2] == "NULL":
			case operators[c.op]:
				v, err := unescape(bits[2])
				if err != nil {
					return q, fmt.Errorf("condition %q: %v", part, err)
				}
				c.value = v
			default:
				return q, fmt.Errorf("condition %q: unknown operator %q", part, c.op)
			}
			if !fields[c.field] {
				return q, fmt.Errorf("unknown field %q in where", c.field)
			}
			q.where = append(q.where, c)
		}
	}
	if ord != nil && *ord != "" {
		for _, key := range strings.Split(*ord, ",") {
			f, dir, ok := strings.Cut(key, ":")
			if !ok || !validField(f) || dir != "ASC" && dir != "DESC" {
				return q, fmt.Errorf("order %q is not field:ASC or field:DESC", key)
			}
			if !fields[f] {
				return q, fmt.Errorf("unknown field %q in order", f)
			}
			q.order = append(q.order, order{field: f, desc: dir == "DESC"})
		}
	}
	return q, nil
}

// text renders a field's value for comparison; ok is false for null.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i], _ = text(p)
		}
		return strings.Join(parts, ","), true
	}
	return fmt.Sprint(v), true
}

// compare orders two field values: numerically when both are numbers,
// else as strings (the documented timestamps and dates sort as strings).
func compare(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// matches applies SQL's rules: a null field satisfies only IS NULL.
func (c condition) matches(v map[string]any) bool {
	s, ok := text(v[c.field])
	switch c.op {
	case "IS":
		return !ok
	case "ISNOT":
		return ok
	}
	if !ok {
		return false
	}
	if b, isBool := v[c.field].(bool); isBool {
		// Booleans match 1/0 and true/false.
		switch strings.ToLower(c.value) {
		case "1", "true":
			return (c.op == "EQUALS") == b
		case "0", "false":
			return (c.op == "EQUALS") != b
		}
	}
	switch c.op {
	case "EQUALS":
		return compare(s, c.value) == 0
	case "NOTEQUALS":
		return compare(s, c.value) != 0
	case "GT":
		return compare(s, c.value) > 0
	case "LT":
		return compare(s, c.value) < 0
	case "GTE":
		return compare(s, c.value) >= 0
	case "LTE":
		return compare(s, c.value) <= 0
	case "CONTAINS":
		return strings.Contains(strings.ToLower(s), strings.ToLower(c.value))
	}
	return false
}

// list runs a query; the caller holds the lock. Ties (and a query without
// order) fall back to customer_id ascending, the order of creation.
func (st *store) list(q query) []chargeoverapi.Customer {
	idx := selectViews(st.views, func(i int) bool { return st.gone[i] }, q)
	out := []chargeoverapi.Customer{}
	for _, i := range idx {
		out = append(out, st.customers[i]) // see the note on store: a shallow copy is safe
	}
	return out
}

// selectViews runs a query over views (gone: a deleted slot) and returns
// the indexes of the page, in order.
func selectViews(views []map[string]any, gone func(int) bool, q query) []int {
	var idx []int
	for i, v := range views {
		ok := !gone(i)
		for _, c := range q.where {
			if !c.matches(v) {
				ok = false
				break
			}
		}
		if ok {
			idx = append(idx, i)
		}
	}
	if len(q.order) > 0 {
		sort.SliceStable(idx, func(a, b int) bool {
			va, vb := views[idx[a]], views[idx[b]]
			for _, o := range q.order {
				sa, okA := text(va[o.field])
				sb, okB := text(vb[o.field])
				c := 0
				switch {
				case !okA && !okB:
				case !okA:
					c = -1 // nulls first, as MySQL sorts them ascending
				case !okB:
					c = 1
				default:
					c = compare(sa, sb)
				}
				if o.desc {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	var page []int
	for n := q.offset; n < int64(len(idx)) && n < q.offset+q.limit; n++ {
		page = append(page, idx[n])
	}
	return page
}

// ListCustomers answers one page of a query.
func (h *handler) ListCustomers(_ context.Context, req chargeoverserver.ListCustomersRequestObject) (chargeoverserver.ListCustomersResponseObject, error) {
	p := req.Params
	q, err := h.st.parseQuery(p.Where, p.Order, p.Offset, p.Limit)
	if err != nil {
		return chargeoverserver.ListCustomers400JSONResponse(envelope(http.StatusBadRequest, msgInvalid+" "+err.Error())), nil
	}
	h.st.mu.Lock()
	page := h.st.list(q)
	h.st.mu.Unlock()
	empty := ""
	return chargeoverserver.ListCustomers200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: page,
	}, nil
}

// GetCustomer reads one customer by customer_id.
func (h *handler) GetCustomer(_ context.Context, req chargeoverserver.GetCustomerRequestObject) (chargeoverserver.GetCustomerResponseObject, error) {
	h.st.mu.Lock()
	i, ok := h.st.byID(req.CustomerId)
	var c chargeoverapi.Customer
	if ok {
		c = h.st.customers[i]
	}
	h.st.mu.Unlock()
	if !ok {
		return chargeoverserver.GetCustomer404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(http.StatusNotFound, notFoundID(req.CustomerId)))}, nil
	}
	empty := ""
	return chargeoverserver.GetCustomer200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: c,
	}, nil
}

// UpdateCustomer changes the fields sent of one customer.
func (h *handler) UpdateCustomer(_ context.Context, req chargeoverserver.UpdateCustomerRequestObject) (chargeoverserver.UpdateCustomerResponseObject, error) {
	h.st.mu.Lock()
	status, msg := h.st.updateLocked(req.CustomerId, *req.Body)
	h.st.mu.Unlock()
	switch status {
	case http.StatusAccepted:
		return chargeoverserver.UpdateCustomer202JSONResponse(updated(req.CustomerId)), nil
	case http.StatusNotFound:
		return chargeoverserver.UpdateCustomer404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(status, msg))}, nil
	}
	return chargeoverserver.UpdateCustomer400JSONResponse(envelope(http.StatusBadRequest, msg)), nil
}

func updated(id int64) chargeoverapi.UpdatedResponse {
	empty := ""
	return chargeoverapi.UpdatedResponse{Code: http.StatusAccepted, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty,
		Details: emptyDetails(), Response: chargeoverapi.UpdatedId{Id: json.Number(strconv.FormatInt(id, 10))}}
}

const customerPrefix = "/api/v3/customer/"

// subRead runs the GET and PUT sub-requests of _bulk on /api/v3/customer
// and /api/v3/customer/{id}; ok is false for any other sub-request. The
// caller holds the lock.
func (h *handler) subRead(sub chargeoverapi.BulkSubRequest, path, rawQuery string) (chargeoverapi.BulkItemResult, bool) {
	if path == "/api/v3/customer" && sub.RequestMethod == chargeoverapi.BulkGET {
		vals, err := url.ParseQuery(rawQuery)
		if err != nil {
			return subError(http.StatusBadRequest, msgInvalid+" "+err.Error()), true
		}
		var where, ord *string
		var offset *int64
		var limit *int32
		if vals.Has("where") {
			where = strPtr(vals.Get("where"))
		}
		if vals.Has("order") {
			ord = strPtr(vals.Get("order"))
		}
		if vals.Has("offset") {
			n, err := strconv.ParseInt(vals.Get("offset"), 10, 64)
			if err != nil {
				return subError(http.StatusBadRequest, msgInvalid+" offset is not a number."), true
			}
			offset = &n
		}
		if vals.Has("limit") {
			n, err := strconv.ParseInt(vals.Get("limit"), 10, 32)
			if err != nil {
				return subError(http.StatusBadRequest, msgInvalid+" limit is not a number."), true
			}
			l := int32(n)
			limit = &l
		}
		q, err := h.st.parseQuery(where, ord, offset, limit)
		if err != nil {
			return subError(http.StatusBadRequest, msgInvalid+" "+err.Error()), true
		}
		return subOK(http.StatusOK, h.st.list(q)), true
	}
	rest, ok := strings.CutPrefix(path, customerPrefix)
	if !ok || strings.HasPrefix(rest, "external_key:") {
		return chargeoverapi.BulkItemResult{}, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id < 1 {
		return chargeoverapi.BulkItemResult{}, false
	}
	switch sub.RequestMethod {
	case chargeoverapi.BulkGET:
		i, found := h.st.byID(id)
		if !found {
			return subError(http.StatusNotFound, notFoundID(id)), true
		}
		return subOK(http.StatusOK, h.st.customers[i]), true
	case chargeoverapi.BulkPUT:
		if sub.Payload == nil {
			return subError(http.StatusBadRequest, msgInvalid+" payload is required for PUT "+path+"."), true
		}
		var u chargeoverapi.CustomerUpdate
		if msg := checkPayload(h.st.update, *sub.Payload, &u); msg != "" {
			return subError(http.StatusBadRequest, msg), true
		}
		status, msg := h.st.updateLocked(id, u)
		if status != http.StatusAccepted {
			return subError(status, msg), true
		}
		return subOK(http.StatusAccepted, updated(id).Response), true
	}
	return chargeoverapi.BulkItemResult{}, false
}

func strPtr(s string) *string { return &s }
