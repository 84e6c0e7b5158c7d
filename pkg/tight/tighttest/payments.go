package tighttest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
)

// The fake's payments (POST /v6/payments, POST /v6/payments/query, GET and
// DELETE /v6/payments/{id}): upsert by id as the other saves; a payment
// needs date and amount (REQUIRED); customerId, when present, must name a
// stored customer and every children[].invoiceId a stored invoice
// (INVALID_VALUE, param such as children/0/invoiceId). Each child naming an
// invoice adds its amount to that invoice's paidAmount (balance = total −
// paidAmount); an update moves the amounts, a delete takes them back.

// storedPayment is a payment as kept: the merged input with ids assigned
// and its place in the order of creation.
type storedPayment struct {
	in  tightapi.PaymentInput
	seq int64
}

// SavePayments upserts a batch of payments.
func (h *handler) SavePayments(ctx context.Context, req tightserver.SavePaymentsRequestObject) (tightserver.SavePaymentsResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	res, whole := saveBatch(h.st, req.Body.Data, h.st.mergePayment, h.st.putPayment, h.st.paymentOut, "/payments/", func(o tightapi.Payment) string { return o.Id })
	if whole != nil {
		return errorReply{http.StatusBadRequest, whole}, nil
	}
	env := tightapi.PaymentSaveEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.PaymentItemResult, len(res)), Error: &[]tightapi.Error{}}
	for i, r := range res {
		env.Data[i] = tightapi.PaymentItemResult(r)
		if r.Result == tightapi.FAILURE {
			env.Result = tightapi.FAILURE
		}
	}
	if env.Result == tightapi.FAILURE {
		return tightserver.SavePayments207JSONResponse(env), nil
	}
	return tightserver.SavePayments200JSONResponse(env), nil
}

// mergePayment returns the payment it would store (merged over the stored
// one when it names one) and its errors. Callers hold mu.
func (st *state) mergePayment(it tightapi.PaymentInput) (*storedPayment, []tightapi.Error) {
	sp := &storedPayment{in: jsoncopy.Clone(it)}
	if it.Id != nil && *it.Id != "" {
		if old, ok := st.payments[*it.Id]; ok {
			sp = &storedPayment{in: overlay(old.in, it), seq: old.seq}
		}
	}
	var errs []tightapi.Error
	if sp.in.Date == nil {
		errs = append(errs, errorOf(tightapi.REQUIRED, "date is required", "date"))
	}
	if sp.in.Amount == nil {
		errs = append(errs, errorOf(tightapi.REQUIRED, "amount is required", "amount"))
	}
	if id := sp.in.CustomerId; id != nil && st.customers[*id] == nil {
		errs = append(errs, errorOf(tightapi.INVALIDVALUE, fmt.Sprintf("customerId %s does not name a customer", *id), "customerId"))
	}
	if sp.in.Children != nil {
		for j, ch := range *sp.in.Children {
			if ch.InvoiceId != nil && st.invoices[*ch.InvoiceId] == nil {
				p := fmt.Sprintf("children/%d/invoiceId", j)
				errs = append(errs, errorOf(tightapi.INVALIDVALUE, fmt.Sprintf("%s %s does not name an invoice", p, *ch.InvoiceId), p))
			}
		}
	}
	return sp, errs
}

// putPayment stores sp, giving ids to the payment and its children where
// they have none, and moves the paid amounts of the invoices it names.
// Callers hold mu.
func (st *state) putPayment(sp *storedPayment) {
	in := &sp.in
	if in.Id == nil || *in.Id == "" {
		id := st.newID("ptxn", func(id string) bool { _, ok := st.payments[id]; return ok })
		in.Id = &id
	}
	if in.Children != nil {
		for j := range *in.Children {
			if ch := &(*in.Children)[j]; ch.Id == nil || *ch.Id == "" {
				id := st.newID("tli", nil)
				ch.Id = &id
			}
		}
	}
	if old, ok := st.payments[*in.Id]; ok {
		st.applyPaid(old, -1)
		sp.seq = old.seq
	} else {
		st.paymentOrder = append(st.paymentOrder, *in.Id)
		st.created++
		sp.seq = st.created
	}
	st.payments[*in.Id] = sp
	st.applyPaid(sp, +1)
}

// applyPaid adds (sign +1) or takes back (-1) the amounts of sp's children
// on the invoices they name. Callers hold mu.
func (st *state) applyPaid(sp *storedPayment, sign int64) {
	if sp.in.Children == nil {
		return
	}
	for _, ch := range *sp.in.Children {
		if ch.InvoiceId == nil || ch.Amount == nil {
			continue
		}
		if si := st.invoices[*ch.InvoiceId]; si != nil {
			si.paid += sign * *ch.Amount
		}
	}
}

// paymentOut is the response shape of a stored payment: the request's …Id
// fields become the objects they name. Callers hold mu.
func (st *state) paymentOut(sp *storedPayment) tightapi.Payment {
	in := &sp.in
	out := jsoncopy.Convert[tightapi.Payment](*in)
	out.Status = ptr("ACTIVE")
	if out.DisplayName == nil && in.Description != nil {
		out.DisplayName = ptr(*in.Description)
	}
	out.Customer = st.customerRef(in.CustomerId)
	out.BankAccount, out.Vendor, out.Category = ref(in.BankAccountId), ref(in.VendorId), ref(in.CategoryId)
	if in.GlAccountId != nil {
		out.GlAccount = &tightapi.GlAccount{Id: ptr(*in.GlAccountId)}
	}
	out.DimensionValues = dimensionValues(in.DimensionValueIds)
	if in.Children != nil && out.Children != nil {
		for j, ch := range *in.Children {
			oc := &(*out.Children)[j]
			oc.Customer = st.customerRef(ch.CustomerId)
			oc.Vendor, oc.Category = ref(ch.VendorId), ref(ch.CategoryId)
			if ch.GlAccountId != nil {
				oc.GlAccount = &tightapi.GlAccount{Id: ptr(*ch.GlAccountId)}
			}
			oc.DimensionValues = dimensionValues(ch.DimensionValueIds)
		}
	}
	return out
}

// customerRef is {id, name, email} of a stored customer. Callers hold mu.
func (st *state) customerRef(id *string) *tightapi.InvoiceCustomer {
	if id == nil {
		return nil
	}
	ic := tightapi.InvoiceCustomer{Id: ptr(*id)}
	if c := st.customers[*id]; c != nil {
		ic.Name, ic.Email = c.Name, c.Email
	}
	return &ic
}

func ref(id *string) *tightapi.NamedRef {
	if id == nil {
		return nil
	}
	return &tightapi.NamedRef{Id: ptr(*id)}
}

func dimensionValues(ids *[]string) *[]tightapi.DimensionValue {
	if ids == nil {
		return nil
	}
	out := make([]tightapi.DimensionValue, len(*ids))
	for i, id := range *ids {
		out[i] = tightapi.DimensionValue{Id: ptr(id)}
	}
	return &out
}

// GetPayment reads one payment; an unknown id gets 404.
func (h *handler) GetPayment(_ context.Context, req tightserver.GetPaymentRequestObject) (tightserver.GetPaymentResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	sp, ok := st.payments[req.Id]
	if !ok {
		return notFound("payment", req.Id), nil
	}
	out := st.paymentOut(sp)
	return tightserver.GetPayment200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// DeletePayment removes one payment, takes its amounts back off the
// invoices it paid and answers it as it was.
func (h *handler) DeletePayment(ctx context.Context, req tightserver.DeletePaymentRequestObject) (tightserver.DeletePaymentResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	sp, ok := st.payments[req.Id]
	if !ok {
		return notFound("payment", req.Id), nil
	}
	out := st.paymentOut(sp)
	st.applyPaid(sp, -1)
	delete(st.payments, req.Id)
	st.paymentOrder = slices.DeleteFunc(st.paymentOrder, func(id string) bool { return id == req.Id })
	st.lifecycle("paymentDeleted", req.Id)
	return tightserver.DeletePayment200JSONResponse{Result: tightapi.SUCCESS, Data: &out, Error: &[]tightapi.Error{}}, nil
}

// QueryPayments answers one page of payments. sort.orderBy DISPLAY_NAME
// sorts by display name (the description when none was given); the fake
// holds no bank transactions, so a bankTransaction filter matches nothing.
func (h *handler) QueryPayments(_ context.Context, req tightserver.QueryPaymentsRequestObject) (tightserver.QueryPaymentsResponseObject, error) {
	st := h.st
	st.mu.Lock()
	defer st.mu.Unlock()
	var q tightapi.PaymentQueryRequest
	if req.Body != nil {
		q = *req.Body
	}
	var orderBy string
	var dir tightapi.SortDirection
	if q.Sort != nil {
		orderBy, dir = deref(q.Sort.OrderBy), deref(q.Sort.Direction)
	}
	if strings.EqualFold(orderBy, "DISPLAY_NAME") {
		orderBy = OrderByName
	}
	var f tightapi.PaymentQueryFilter
	if q.Filter != nil {
		f = *q.Filter
	}
	rows := make([]row, 0, len(st.paymentOrder))
	for _, id := range st.paymentOrder {
		sp := st.payments[id]
		in := &sp.in
		display := deref(in.Description)
		if !matchString(f.Description, deref(in.Description)) || !matchString(f.DisplayName, display) ||
			!matchStatus(f.Status, "ACTIVE") || !matchPaymentSearch(deref(f.Search), in) ||
			!matchBankAccount(f.BankAccount, deref(in.BankAccountId)) || f.BankTransaction != nil {
			continue
		}
		rows = append(rows, row{id: id, seq: sp.seq, name: display})
	}
	p, e := paginate(rows, q.Cursor, q.Limit, orderBy, dir, fingerprint(q.Filter, q.Sort))
	if e != nil {
		return *e, nil
	}
	env := tightapi.PaymentQueryEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.Payment, 0, len(p.rows)), Error: &[]tightapi.Error{}, Cursor: &p.cursor}
	for _, r := range p.rows {
		env.Data = append(env.Data, st.paymentOut(st.payments[r.id]))
	}
	return tightserver.QueryPayments200JSONResponse(env), nil
}

// matchPaymentSearch looks for text, ignoring case, in a payment's
// description and notes.
func matchPaymentSearch(text string, in *tightapi.PaymentInput) bool {
	if text == "" {
		return true
	}
	text = strings.ToLower(text)
	return strings.Contains(strings.ToLower(deref(in.Description)), text) || strings.Contains(strings.ToLower(deref(in.Notes)), text)
}

// matchBankAccount applies a bank account filter (id in / not in).
func matchBankAccount(f *tightapi.BankAccountFilter, id string) bool {
	if f == nil || f.Id == nil {
		return true
	}
	return (f.Id.In == nil || slices.Contains(*f.Id.In, id)) && (f.Id.NotIn == nil || !slices.Contains(*f.Id.NotIn, id))
}

// Payments returns the stored payments in creation order, in the response
// shape.
func (s *Server) Payments() []tightapi.Payment {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]tightapi.Payment, 0, len(s.st.paymentOrder))
	for _, id := range s.st.paymentOrder {
		out = append(out, s.st.paymentOut(s.st.payments[id]))
	}
	return out
}

// VisitSavePaymentsResponse writes the error answer of savePayments.
func (e errorReply) VisitSavePaymentsResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitQueryPaymentsResponse writes the error answer of queryPayments.
func (e errorReply) VisitQueryPaymentsResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitGetPaymentResponse writes the error answer of getPayment.
func (e errorReply) VisitGetPaymentResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitDeletePaymentResponse writes the error answer of deletePayment.
func (e errorReply) VisitDeletePaymentResponse(w http.ResponseWriter) error { return e.write(w) }
