package tighttest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
)

// DefaultQueryLimit is the page size of a query that sends no limit (Tight
// documents none; the spec asks clients to send one). MaxQueryLimit is the
// largest limit the spec allows; a larger one gets 400.
const (
	DefaultQueryLimit = 100
	MaxQueryLimit     = 250
)

// Sort fields the fake knows (orderBy); without a sort, queries answer in the
// order of creation.
const (
	OrderByName            = "NAME"
	OrderByCreatedDateTime = "CREATED_DATE_TIME"
)

// GetCustomer reads one customer; an unknown id gets 404.
func (h *handler) GetCustomer(_ context.Context, req tightserver.GetCustomerRequestObject) (tightserver.GetCustomerResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.customers[req.Id]
	if !ok {
		return notFound("customer", req.Id), nil
	}
	out := st.customerOut(c)
	return tightserver.GetCustomer200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// DeleteCustomer removes one customer and answers it as it was. Its invoices
// stay, still naming its id.
func (h *handler) DeleteCustomer(ctx context.Context, req tightserver.DeleteCustomerRequestObject) (tightserver.DeleteCustomerResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.customers[req.Id]
	if !ok {
		return notFound("customer", req.Id), nil
	}
	out := st.customerOut(c)
	delete(st.customers, req.Id)
	delete(st.customerMeta, req.Id)
	st.customerOrder = slices.DeleteFunc(st.customerOrder, func(id string) bool { return id == req.Id })
	st.lifecycle("customerDeleted", req.Id)
	return tightserver.DeleteCustomer200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// DeleteInvoice removes one invoice and answers it as it was.
func (h *handler) DeleteInvoice(ctx context.Context, req tightserver.DeleteInvoiceRequestObject) (tightserver.DeleteInvoiceResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	si, ok := st.invoices[req.Id]
	if !ok {
		return notFound("invoice", req.Id), nil
	}
	out := st.invoiceOut(si)
	delete(st.invoices, req.Id)
	st.invoiceOrder = slices.DeleteFunc(st.invoiceOrder, func(id string) bool { return id == req.Id })
	st.lifecycle("invoiceDeleted", req.Id)
	return tightserver.DeleteInvoice200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// SendInvoice "e-mails" an invoice: every accepted request counts one more
// send (Server.Sends) and sets the e-mail state of the answer.
func (h *handler) SendInvoice(ctx context.Context, req tightserver.SendInvoiceRequestObject) (tightserver.SendInvoiceResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	si, ok := st.invoices[req.Id]
	if !ok {
		return notFound("invoice", req.Id), nil
	}
	typ := "INVOICE"
	if req.Body != nil && req.Body.Type != nil && *req.Body.Type != "" {
		typ = *req.Body.Type
	}
	if typ != "INVOICE" && typ != "QUOTE" {
		return errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
			fmt.Sprintf("type %s is not supported: INVOICE or QUOTE", typ), "type")}}, nil
	}
	var email string
	if id := si.in.CustomerId; id != nil {
		if c := st.customers[*id]; c != nil && c.Email != nil {
			email = *c.Email
		}
	}
	if email == "" {
		return errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.REQUIRED,
			"the invoice's customer has no e-mail address", "email")}}, nil
	}
	si.sends++
	si.sentAt = st.cfg.Now().UTC().Truncate(time.Second)
	si.sentType = typ
	st.sends[req.Id]++
	out := st.invoiceOut(si)
	st.entityUpdate("/invoicing/invoices/"+out.Id, out)
	return tightserver.SendInvoice200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// QueryCustomers answers one page of customers.
func (h *handler) QueryCustomers(_ context.Context, req tightserver.QueryCustomersRequestObject) (tightserver.QueryCustomersResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var q tightapi.CustomerQueryRequest
	if req.Body != nil {
		q = *req.Body
	}
	var orderBy string
	var dir tightapi.SortDirection
	if q.Sort != nil {
		orderBy, dir = deref(q.Sort.OrderBy), deref(q.Sort.Direction)
	}
	var f tightapi.CustomerQueryFilter
	if q.Filter != nil {
		f = *q.Filter
	}
	rows := make([]row, 0, len(st.customerOrder))
	for _, id := range st.customerOrder {
		c, m := st.customers[id], st.customerMeta[id]
		if !matchString(f.Name, deref(c.Name)) || !matchString(f.Email, deref(c.Email)) ||
			!matchStatus(f.Status, deref(c.Status)) || !matchSegments(f.ClassSegments, m.segments) {
			continue
		}
		rows = append(rows, row{id: id, seq: m.seq, name: deref(c.Name)})
	}
	p, e := paginate(rows, q.Cursor, q.Limit, orderBy, dir, fingerprint(q.Filter, q.Sort))
	if e != nil {
		return *e, nil
	}
	env := tightapi.CustomerQueryEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.Customer, 0, len(p.rows)), Error: &[]tightapi.Error{}, Cursor: &p.cursor}
	for _, r := range p.rows {
		env.Data = append(env.Data, st.customerOut(st.customers[r.id]))
	}
	return tightserver.QueryCustomers200JSONResponse(env), nil
}

// QueryInvoices answers one page of invoices.
func (h *handler) QueryInvoices(_ context.Context, req tightserver.QueryInvoicesRequestObject) (tightserver.QueryInvoicesResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var q tightapi.InvoiceQueryRequest
	if req.Body != nil {
		q = *req.Body
	}
	var orderBy string
	var dir tightapi.SortDirection
	if q.Sort != nil {
		// sort.value is undocumented: ignored (see the spec).
		orderBy, dir = deref(q.Sort.OrderBy), deref(q.Sort.Direction)
	}
	var f tightapi.InvoiceQueryFilter
	if q.Filter != nil {
		f = *q.Filter
	}
	rows := make([]row, 0, len(st.invoiceOrder))
	for _, id := range st.invoiceOrder {
		si := st.invoices[id]
		in := &si.in
		if !matchString(f.Name, deref(in.Name)) || !matchStatus(f.Status, deref(in.Status)) ||
			!matchInvoiceStatus(f.InvoiceStatus, deref(in.InvoiceStatus)) || !st.matchSearch(deref(f.Search), in) {
			continue
		}
		rows = append(rows, row{id: id, seq: si.seq, name: deref(in.Name)})
	}
	p, e := paginate(rows, q.Cursor, q.Limit, orderBy, dir, fingerprint(q.Filter, q.Sort))
	if e != nil {
		return *e, nil
	}
	env := tightapi.InvoiceQueryEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.Invoice, 0, len(p.rows)), Error: &[]tightapi.Error{}, Cursor: &p.cursor}
	for _, r := range p.rows {
		env.Data = append(env.Data, st.invoiceOut(st.invoices[r.id]))
	}
	return tightserver.QueryInvoices200JSONResponse(env), nil
}

// row is one matching entity in a query: its id and its sort keys.
type row struct {
	id   string
	seq  int64  // order of creation: the default order and the tie-breaker
	name string // for orderBy NAME
}

// position is what a cursor holds: the sort key of the entity it follows
// (after) or precedes (before), and the query it belongs to. Encoding the
// last entity seen, not an offset, is what keeps a walk stable when
// entities are created or deleted between pages: nothing is repeated, and
// nothing that existed through the walk is skipped.
type position struct {
	Query  string `json:"q"`
	Before bool   `json:"b,omitempty"`
	Name   string `json:"n,omitempty"`
	Seq    int64  `json:"s"`
}

type page struct {
	rows   []row
	cursor tightapi.QueryCursor
}

// paginate sorts rows and cuts the page a cursor and limit ask for.
func paginate(rows []row, cursor *string, limit *int32, orderBy string, dir tightapi.SortDirection, query string) (page, *errorReply) {
	n := DefaultQueryLimit
	if limit != nil {
		n = int(*limit)
	}
	if n < 1 || n > MaxQueryLimit {
		// The frame refuses these against the spec already; kept for a
		// frame without validation.
		return page{}, &errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
			fmt.Sprintf("limit %d: must be between 1 and %d", n, MaxQueryLimit), "limit")}}
	}
	var key func(a, b row) int
	switch orderBy {
	case "", OrderByCreatedDateTime:
		key = func(a, b row) int { return cmp.Compare(a.seq, b.seq) }
	case OrderByName:
		key = func(a, b row) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)), cmp.Compare(a.seq, b.seq))
		}
	default:
		return page{}, &errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
			fmt.Sprintf("sort.orderBy %s is not supported: %s or %s", orderBy, OrderByName, OrderByCreatedDateTime), "sort/orderBy")}}
	}
	if dir == tightapi.DESC {
		asc := key
		key = func(a, b row) int { return -asc(a, b) }
	} else if dir != "" && dir != tightapi.ASC {
		return page{}, &errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
			fmt.Sprintf("sort.direction %s: ASC or DESC", dir), "sort/direction")}}
	}
	slices.SortFunc(rows, key)
	start, end := 0, min(n, len(rows))
	if cursor != nil {
		pos, err := decodeCursor(*cursor)
		if err != nil || pos.Query != query {
			return page{}, &errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
				"cursor is not a cursor of this query (filter, sort and cursor must come from the same walk)", "cursor")}}
		}
		at := row{seq: pos.Seq, name: pos.Name}
		// The first row after the position (ties are impossible: seq is unique).
		i, _ := slices.BinarySearchFunc(rows, at, key)
		if pos.Before {
			end = i
			start = max(0, end-n)
		} else {
			if i < len(rows) && key(rows[i], at) == 0 {
				i++ // the entity the cursor names is still there
			}
			start, end = i, min(i+n, len(rows))
		}
	}
	p := page{rows: rows[start:end]}
	if end < len(rows) && end > start {
		p.cursor.After = ptr(encodeCursor(position{Query: query, Name: rows[end-1].name, Seq: rows[end-1].seq}))
	}
	if start > 0 && end > start {
		p.cursor.Before = ptr(encodeCursor(position{Query: query, Before: true, Name: rows[start].name, Seq: rows[start].seq}))
	}
	return p, nil
}

func encodeCursor(p position) string {
	return base64.URLEncoding.EncodeToString(mustMarshal(p))
}

func decodeCursor(s string) (position, error) {
	var p position
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(b, &p)
}

// fingerprint names a query's filter and sort, so that a cursor is only
// accepted by the query that issued it.
func fingerprint(filter, sort any) string {
	sum := sha256.Sum256(append(mustMarshal(filter), mustMarshal(sort)...))
	return hex.EncodeToString(sum[:6])
}

// matchString applies a string filter, ignoring case (Tight does not say).
func matchString(f *tightapi.StringFilter, v string) bool {
	if f == nil {
		return true
	}
	v = strings.ToLower(v)
	c := func(p *string) (int, bool) {
		if p == nil {
			return 0, false
		}
		return strings.Compare(v, strings.ToLower(*p)), true
	}
	if r, ok := c(f.Equal); ok && r != 0 {
		return false
	}
	if r, ok := c(f.NotEqual); ok && r == 0 {
		return false
	}
	if r, ok := c(f.GreaterThan); ok && r <= 0 {
		return false
	}
	if r, ok := c(f.GreaterThanEqual); ok && r < 0 {
		return false
	}
	if r, ok := c(f.LessThan); ok && r >= 0 {
		return false
	}
	if r, ok := c(f.LessThanEqual); ok && r > 0 {
		return false
	}
	if f.Contain != nil && !strings.Contains(v, strings.ToLower(*f.Contain)) {
		return false
	}
	return true
}

// matchStatus applies a status filter (exact values).
func matchStatus(f *tightapi.StatusFilter, v string) bool {
	if f == nil {
		return true
	}
	if f.In != nil && !slices.Contains(*f.In, v) || f.NotIn != nil && slices.Contains(*f.NotIn, v) {
		return false
	}
	return matchString(&tightapi.StringFilter{Equal: f.Equal, NotEqual: f.NotEqual, GreaterThan: f.GreaterThan,
		GreaterThanEqual: f.GreaterThanEqual, LessThan: f.LessThan, LessThanEqual: f.LessThanEqual}, v)
}

func matchInvoiceStatus(f *tightapi.InvoiceStatusFilter, v string) bool {
	return f == nil || matchStatus(&tightapi.StatusFilter{In: f.In, NotIn: f.NotIn}, v)
}

// matchSegments keeps customers assigned to one of the ids; with expand, a
// segment anywhere down a child chain counts too.
func matchSegments(f *tightapi.ClassSegmentsFilter, segs []tightapi.ClassSegment) bool {
	if f == nil || f.Id == nil || f.Id.In == nil {
		return true
	}
	expand := f.Expand != nil && *f.Expand
	for _, s := range segs {
		for cur := &s; cur != nil; cur = cur.Child {
			if cur.Id != nil && slices.Contains(*f.Id.In, *cur.Id) {
				return true
			}
			if !expand {
				break
			}
		}
	}
	return false
}

// matchSearch looks for text, ignoring case, in an invoice's name, notes and
// number and its customer's name and e-mail. Callers hold mu.
func (st *state) matchSearch(text string, in *tightapi.InvoiceInput) bool {
	if text == "" {
		return true
	}
	hay := []string{deref(in.Name), deref(in.Notes)}
	if in.InvoiceNo != nil {
		hay = append(hay, strconv.FormatInt(*in.InvoiceNo, 10))
	}
	if id := in.CustomerId; id != nil {
		if c := st.customers[*id]; c != nil {
			hay = append(hay, deref(c.Name), deref(c.Email))
		}
	}
	text = strings.ToLower(text)
	for _, h := range hay {
		if strings.Contains(strings.ToLower(h), text) {
			return true
		}
	}
	return false
}

// notFound is the 404 of an id that names no entity.
func notFound(kind, id string) errorReply {
	return errorReply{http.StatusNotFound, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
		fmt.Sprintf("No %s with id %s", kind, id), "id")}}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
