package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/flex"
)

// firstInvoiceID is the invoice_id of the first invoice; ids then increase
// by one.
const firstInvoiceID = 5000

// invoice is one stored invoice: what was created, and the money the fake
// keeps in cents so that totals and balances add up exactly.
type invoice struct {
	id      int64
	create  chargeoverapi.InvoiceCreate
	custID  int64
	lines   []int64 // each line's amount, cents
	total   int64   // cents
	paid    int64   // cents applied by transactions
	void    bool
	created string
	paidOn  string
}

// invoices is the invoice part of the store; the store's mutex guards it.
type invoices struct {
	list  []*invoice
	views []map[string]any
	// used holds every external_key ever given to an invoice: never
	// released, as a customer's.
	used   map[string]int
	schema *openapi3.Schema
	fields map[string]bool
	// emails are the e-mails of the email action; balanceUsed is, per
	// customer, the open balance the pay action applied (cents).
	emails      []Email
	balanceUsed map[int64]int64
}

func newInvoices(spec *openapi3.T) (invoices, error) {
	create, read := spec.Components.Schemas["InvoiceCreate"], spec.Components.Schemas["Invoice"]
	if create == nil || create.Value == nil || read == nil || read.Value == nil {
		return invoices{}, fmt.Errorf("chargeovertest: spec has no InvoiceCreate or Invoice schema")
	}
	fields := map[string]bool{}
	for name := range read.Value.Properties {
		fields[name] = true
	}
	return invoices{used: map[string]int{}, schema: create.Value, fields: fields, balanceUsed: map[int64]int64{}}, nil
}

// cents turns a decimal dollar amount into cents, rounded half away from
// zero.
func cents(r *big.Rat) int64 {
	r = new(big.Rat).Mul(r, big.NewRat(100, 1))
	n, d := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(d) >= 0 {
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// rat reads a float as the decimal it was written as.
func rat(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'f', -1, 64))
	return r
}

// dollars writes cents as a decimal amount ("149.75", "-3.5" stays "-3.50").
func dollars(c int64) *flex.Decimal {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	d := flex.Decimal(fmt.Sprintf("%s%d.%02d", sign, c/100, c%100))
	return &d
}

// lineCents is a line's amount: rate × quantity (1 when absent), in cents.
func lineCents(l chargeoverapi.InvoiceLineCreate) int64 {
	rate, qty := new(big.Rat), big.NewRat(1, 1)
	if l.LineRate != nil {
		rate = rat(*l.LineRate)
	}
	if l.LineQuantity != nil {
		qty = rat(*l.LineQuantity)
	}
	return cents(new(big.Rat).Mul(rate, qty))
}

// priceInvoice resolves an invoice body's customer and items and prices
// its lines: the customer_id, each line's cents and the total, or 400 and
// the reason. The caller holds the lock.
func (st *store) priceInvoice(in chargeoverapi.InvoiceCreate) (custID int64, lines []int64, total int64, status int, msg string) {
	switch {
	case in.CustomerId != nil && in.CustomerExternalKey != nil:
		return 0, nil, 0, http.StatusBadRequest, msgInvalid + " give customer_id or customer_external_key, not both."
	case in.CustomerId != nil:
		if _, ok := st.byID(*in.CustomerId); !ok {
			return 0, nil, 0, http.StatusBadRequest, fmt.Sprintf("%s customer_id %d names no customer.", msgInvalid, *in.CustomerId)
		}
		custID = *in.CustomerId
	case in.CustomerExternalKey != nil:
		c, ok := st.byKey(*in.CustomerExternalKey)
		if !ok {
			return 0, nil, 0, http.StatusBadRequest, fmt.Sprintf("%s customer_external_key %q names no customer.", msgInvalid, *in.CustomerExternalKey)
		}
		custID, _ = c.CustomerId.Int64()
	default:
		return 0, nil, 0, http.StatusBadRequest, msgInvalid + " customer_id or customer_external_key is required."
	}
	if len(in.LineItems) == 0 {
		return 0, nil, 0, http.StatusBadRequest, msgInvalid + " line_items must hold at least one line."
	}
	for i, l := range in.LineItems {
		if l.ItemExternalKey != nil {
			if _, ok := st.itemByKey(*l.ItemExternalKey); !ok {
				return 0, nil, 0, http.StatusBadRequest, fmt.Sprintf("%s line_items[%d].item_external_key %q names no item.", msgInvalid, i, *l.ItemExternalKey)
			}
		}
		c := lineCents(l)
		lines = append(lines, c)
		total += c
	}
	return custID, lines, total, http.StatusCreated, ""
}

// createInvoiceLocked applies ChargeOver's rules beyond the schema and
// creates the invoice: 201 and its id, or 400 and the reason. The caller
// holds the lock.
func (st *store) createInvoiceLocked(in chargeoverapi.InvoiceCreate) (int64, int, string) {
	inv := &st.inv
	custID, lines, total, status, msg := st.priceInvoice(in)
	if status != http.StatusCreated {
		return 0, status, msg
	}
	if in.ExternalKey != nil {
		if _, taken := inv.used[*in.ExternalKey]; taken {
			return 0, http.StatusBadRequest, fmt.Sprintf("An invoice with external key %q already exists (external keys are never reusable).", *in.ExternalKey)
		}
	}
	rec := &invoice{id: firstInvoiceID + int64(len(inv.list)), create: in, custID: custID, lines: lines, total: total,
		created: time.Now().UTC().Format("2006-01-02 15:04:05")}
	if rec.create.Date == nil {
		d := time.Now().UTC().Format("2006-01-02")
		rec.create.Date = &d
	}
	inv.list = append(inv.list, rec)
	inv.views = append(inv.views, view(st.invoiceOf(rec, false)))
	if in.ExternalKey != nil {
		inv.used[*in.ExternalKey] = len(inv.list) - 1
	}
	read := st.invoiceOf(rec, true)
	st.event("invoice", read.InvoiceId, "insert", read)
	return rec.id, http.StatusCreated, ""
}

// invoiceOf renders a stored invoice as a read returns it (lines: a read
// by id, which has the line items). The caller holds the lock.
func (st *store) invoiceOf(rec *invoice, lines bool) chargeoverapi.Invoice {
	var out chargeoverapi.Invoice
	// The create fields keep their JSON names in the read (the writeOnly
	// references aside, which the read's schema does not know).
	b, _ := json.Marshal(rec.create)
	_ = json.Unmarshal(b, &out)
	out.InvoiceId = json.Number(strconv.FormatInt(rec.id, 10))
	cust := json.Number(strconv.FormatInt(rec.custID, 10))
	out.CustomerId = &cust
	ref := strconv.FormatInt(rec.id, 10)
	if out.Refnumber == nil {
		out.Refnumber = &ref
	}
	balance := rec.total - rec.paid
	out.Subtotal, out.Total, out.Taxes, out.Credits = dollars(rec.total), dollars(rec.total), dollars(0), dollars(0)
	out.Payments, out.Applied, out.Balance = dollars(rec.paid), dollars(rec.paid), dollars(balance)
	paid := !rec.void && balance <= 0
	isPaid, isVoid, overdue := flex.Bool(paid), flex.Bool(rec.void), flex.Bool(false)
	out.IsPaid, out.IsVoid, out.IsOverdue = &isPaid, &isVoid, &overdue
	status, name, state := "open-unpaid", "Unpaid", "o"
	switch {
	case rec.void:
		status, name, state = "closed-void", "Void", "c"
		out.VoidDatetime = &rec.created
	case paid:
		status, name, state = "closed-paid", "Paid", "c"
		out.PaidDate = &rec.paidOn
	}
	out.InvoiceStatusStr, out.InvoiceStatusName, out.InvoiceStatusState = &status, &name, &state
	out.DueDate = out.Date
	out.WriteDatetime, out.ModDatetime = &rec.created, &rec.created
	out.LineItems = nil
	if lines {
		ls := make([]chargeoverapi.InvoiceLine, len(rec.create.LineItems))
		for i, l := range rec.create.LineItems {
			lid := json.Number(strconv.FormatInt(rec.id*100+int64(i)+1, 10))
			ls[i] = chargeoverapi.InvoiceLine{LineItemId: &lid, Descrip: l.Descrip, LineSubtotal: dollars(rec.lines[i]), LineTotal: dollars(rec.lines[i])}
			if l.ItemId != nil {
				id := json.Number(strconv.FormatInt(*l.ItemId, 10))
				ls[i].ItemId = &id
			} else if l.ItemExternalKey != nil {
				if it, ok := st.itemByKey(*l.ItemExternalKey); ok {
					ls[i].ItemId, ls[i].ItemName = &it.ItemId, it.Name
				}
			}
			rate, qty := flex.Decimal("0"), flex.Decimal("1")
			if l.LineRate != nil {
				rate = flex.Decimal(strconv.FormatFloat(*l.LineRate, 'f', -1, 64))
			}
			if l.LineQuantity != nil {
				qty = flex.Decimal(strconv.FormatFloat(*l.LineQuantity, 'f', -1, 64))
			}
			ls[i].LineRate, ls[i].LineQuantity = &rate, &qty
		}
		out.LineItems = &ls
	}
	return out
}

// invoiceByID returns the invoice with this invoice_id; the caller holds
// the lock.
func (st *store) invoiceByID(id int64) (*invoice, bool) {
	i := id - firstInvoiceID
	if i < 0 || i >= int64(len(st.inv.list)) {
		return nil, false
	}
	return st.inv.list[i], true
}

// invoiceByKey returns the invoice with this external_key; the caller
// holds the lock.
func (st *store) invoiceByKey(key string) (*invoice, bool) {
	i, ok := st.inv.used[key]
	if !ok {
		return nil, false
	}
	return st.inv.list[i], true
}

func notFoundInvoice(id int64) string {
	return fmt.Sprintf("%s No invoice has invoice_id %d.", msgNotFound, id)
}

// CreateInvoice creates one invoice.
func (h *handler) CreateInvoice(_ context.Context, req chargeoverserver.CreateInvoiceRequestObject) (chargeoverserver.CreateInvoiceResponseObject, error) {
	h.st.mu.Lock()
	id, status, msg := h.st.createInvoiceLocked(*req.Body)
	h.st.mu.Unlock()
	if status != http.StatusCreated {
		return chargeoverserver.CreateInvoice400JSONResponse(envelope(status, msg)), nil
	}
	return chargeoverserver.CreateInvoice201JSONResponse(created(id)), nil
}

// created is the envelope of a 201.
func created(id int64) chargeoverapi.CreatedResponse {
	empty := ""
	return chargeoverapi.CreatedResponse{Code: http.StatusCreated, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty,
		Details: emptyDetails(), Response: chargeoverapi.CreatedId{Id: json.Number(strconv.FormatInt(id, 10))}}
}

// ListInvoices answers one page of an invoice query (the overview: no
// line items).
func (h *handler) ListInvoices(_ context.Context, req chargeoverserver.ListInvoicesRequestObject) (chargeoverserver.ListInvoicesResponseObject, error) {
	p := req.Params
	q, err := parseQueryOf(h.st.inv.fields, p.Where, p.Order, p.Offset, p.Limit)
	if err != nil {
		return chargeoverserver.ListInvoices400JSONResponse(envelope(http.StatusBadRequest, msgInvalid+" "+err.Error())), nil
	}
	h.st.mu.Lock()
	page := h.st.listInvoices(q)
	h.st.mu.Unlock()
	empty := ""
	return chargeoverserver.ListInvoices200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: page,
	}, nil
}

// listInvoices runs a query; the caller holds the lock.
func (st *store) listInvoices(q query) []chargeoverapi.Invoice {
	out := []chargeoverapi.Invoice{}
	for _, i := range selectViews(st.inv.views, func(int) bool { return false }, q) {
		out = append(out, st.invoiceOf(st.inv.list[i], false))
	}
	return out
}

// GetInvoice reads one invoice, with its lines.
func (h *handler) GetInvoice(_ context.Context, req chargeoverserver.GetInvoiceRequestObject) (chargeoverserver.GetInvoiceResponseObject, error) {
	h.st.mu.Lock()
	rec, ok := h.st.invoiceByID(req.InvoiceId)
	var inv chargeoverapi.Invoice
	if ok {
		inv = h.st.invoiceOf(rec, true)
	}
	h.st.mu.Unlock()
	if !ok {
		return chargeoverserver.GetInvoice404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(http.StatusNotFound, notFoundInvoice(req.InvoiceId)))}, nil
	}
	empty := ""
	return chargeoverserver.GetInvoice200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: inv,
	}, nil
}

// subInvoice runs the _bulk sub-requests on /api/v3/invoice: POST (a
// create), GET by invoice_id or external_key:<key> (with lines), GET with a
// query (a page); ok is false for any other. The caller holds the lock.
func (h *handler) subInvoice(sub chargeoverapi.BulkSubRequest, path, rawQuery string) (chargeoverapi.BulkItemResult, bool) {
	const base = "/api/v3/invoice"
	st := h.st
	if res, ok := subCollection(sub, path, rawQuery, base, st.inv.schema, st.inv.fields, st.createInvoiceLocked, st.listInvoices); ok {
		return res, true
	}
	rest, ok := strings.CutPrefix(path, base+"/")
	if !ok || sub.RequestMethod != chargeoverapi.BulkGET {
		return chargeoverapi.BulkItemResult{}, false
	}
	var rec *invoice
	if key, isKey := strings.CutPrefix(rest, "external_key:"); isKey {
		k, err := url.PathUnescape(key)
		if err == nil {
			rec, ok = st.invoiceByKey(k)
		}
		if !ok {
			return subError(http.StatusNotFound, fmt.Sprintf("%s No invoice has external key %q.", msgNotFound, k)), true
		}
	} else {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return chargeoverapi.BulkItemResult{}, false
		}
		if rec, ok = st.invoiceByID(id); !ok {
			return subError(http.StatusNotFound, notFoundInvoice(id)), true
		}
	}
	return subOK(http.StatusOK, st.invoiceOf(rec, true)), true
}

// subCollection runs the two _bulk sub-requests every billing resource
// answers on its base path: POST (a create: the payload checked against
// schema, then create) and GET with a query (a page of list over fields).
// ok is false for any other path or method.
func subCollection[In, Page any](sub chargeoverapi.BulkSubRequest, path, rawQuery, base string, schema *openapi3.Schema, fields map[string]bool,
	create func(In) (int64, int, string), list func(query) Page) (chargeoverapi.BulkItemResult, bool) {
	if path != base {
		return chargeoverapi.BulkItemResult{}, false
	}
	switch sub.RequestMethod {
	case chargeoverapi.BulkPOST:
		if sub.Payload == nil {
			return subError(http.StatusBadRequest, msgInvalid+" payload is required for POST "+base+"."), true
		}
		var in In
		if msg := checkPayload(schema, *sub.Payload, &in); msg != "" {
			return subError(http.StatusBadRequest, msg), true
		}
		id, status, msg := create(in)
		if status != http.StatusCreated {
			return subError(status, msg), true
		}
		return subOK(http.StatusCreated, chargeoverapi.CreatedId{Id: json.Number(strconv.FormatInt(id, 10))}), true
	case chargeoverapi.BulkGET:
		q, msg := subQuery(fields, rawQuery)
		if msg != "" {
			return subError(http.StatusBadRequest, msg), true
		}
		return subOK(http.StatusOK, list(q)), true
	}
	return chargeoverapi.BulkItemResult{}, false
}

// subQuery reads a sub-request's where, order, offset and limit as a
// direct list request would send them; msg is the refusal, or "".
func subQuery(fields map[string]bool, rawQuery string) (query, string) {
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return query{}, msgInvalid + " " + err.Error()
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
			return query{}, msgInvalid + " offset is not a number."
		}
		offset = &n
	}
	if vals.Has("limit") {
		n, err := strconv.ParseInt(vals.Get("limit"), 10, 32)
		if err != nil {
			return query{}, msgInvalid + " limit is not a number."
		}
		l := int32(n)
		limit = &l
	}
	q, err := parseQueryOf(fields, where, ord, offset, limit)
	if err != nil {
		return query{}, msgInvalid + " " + err.Error()
	}
	return q, ""
}

// Invoices returns every invoice in creation order, as a read by id
// returns it (lines, totals, balance and status included).
func (s *Server) Invoices() []chargeoverapi.Invoice {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]chargeoverapi.Invoice, len(s.st.inv.list))
	for i, rec := range s.st.inv.list {
		out[i] = s.st.invoiceOf(rec, true)
	}
	return out
}
