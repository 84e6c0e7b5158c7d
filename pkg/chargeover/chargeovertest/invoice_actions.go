package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/flex"
)

// updateInvoiceLocked changes the fields sent of invoice id; line_items,
// when sent, replace every line. It returns 202, or 404/400 and the reason.
// The caller holds the lock.
func (st *store) updateInvoiceLocked(id int64, u chargeoverapi.InvoiceUpdate) (int, string) {
	rec, ok := st.invoiceByID(id)
	if !ok {
		return http.StatusNotFound, notFoundInvoice(id)
	}
	if rec.void {
		return http.StatusBadRequest, fmt.Sprintf("%s Invoice %d is void.", msgInvalid, id)
	}
	cur, _ := json.Marshal(rec.create)
	patch, _ := json.Marshal(u)
	var merged, fields map[string]json.RawMessage
	_ = json.Unmarshal(cur, &merged)
	_ = json.Unmarshal(patch, &fields)
	if _, ok := fields["customer_id"]; ok {
		delete(merged, "customer_external_key")
	}
	if _, ok := fields["customer_external_key"]; ok {
		delete(merged, "customer_id")
	}
	for k, v := range fields {
		merged[k] = v
	}
	b, _ := json.Marshal(merged)
	var next chargeoverapi.InvoiceCreate
	if err := json.Unmarshal(b, &next); err != nil {
		return http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	custID, lines, total, status, msg := st.priceInvoice(next)
	if status != http.StatusCreated {
		return status, msg
	}
	if total < rec.paid {
		return http.StatusBadRequest, fmt.Sprintf("%s The new total %s is below the %s paid.", msgInvalid, *dollars(total), *dollars(rec.paid))
	}
	if u.ExternalKey != nil && (rec.create.ExternalKey == nil || *rec.create.ExternalKey != *u.ExternalKey) {
		if _, taken := st.inv.used[*u.ExternalKey]; taken {
			return http.StatusBadRequest, fmt.Sprintf("An invoice with external key %q already exists (external keys are never reusable).", *u.ExternalKey)
		}
		st.inv.used[*u.ExternalKey] = int(id - firstInvoiceID)
	}
	rec.create, rec.custID, rec.lines, rec.total = next, custID, lines, total
	st.touchInvoice(rec)
	return http.StatusAccepted, ""
}

// touchInvoice refreshes the list view of an invoice whose state changed;
// the caller holds the lock.
func (st *store) touchInvoice(rec *invoice) {
	st.inv.views[rec.id-firstInvoiceID] = view(st.invoiceOf(rec, false))
	read := st.invoiceOf(rec, true)
	st.event("invoice", read.InvoiceId, "update", read)
}

// UpdateInvoice changes the fields sent of one invoice.
func (h *handler) UpdateInvoice(_ context.Context, req chargeoverserver.UpdateInvoiceRequestObject) (chargeoverserver.UpdateInvoiceResponseObject, error) {
	h.st.mu.Lock()
	status, msg := h.st.updateInvoiceLocked(req.InvoiceId, *req.Body)
	h.st.mu.Unlock()
	switch status {
	case http.StatusAccepted:
		return chargeoverserver.UpdateInvoice202JSONResponse(updated(req.InvoiceId)), nil
	case http.StatusNotFound:
		return chargeoverserver.UpdateInvoice404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(status, msg))}, nil
	}
	return chargeoverserver.UpdateInvoice400JSONResponse(envelope(http.StatusBadRequest, msg)), nil
}

// Email is an e-mail the fake "sent" for the email action.
type Email struct {
	// InvoiceID is the invoice sent.
	InvoiceID int64
	// To is the address given, or "" for the customer's contacts.
	To string
	// Subject is the subject given, or "".
	Subject string
}

// actionLocked runs an invoice action: whether it did something, or
// 404/400 and the reason. The caller holds the lock.
func (st *store) actionLocked(id int64, action chargeoverapi.InvoiceActionParamsAction, body chargeoverapi.InvoiceActionRequest) (bool, int, string) {
	rec, ok := st.invoiceByID(id)
	if !ok {
		return false, http.StatusNotFound, notFoundInvoice(id)
	}
	switch action {
	case chargeoverapi.InvoiceActionParamsActionVoid:
		if rec.void {
			return true, http.StatusOK, ""
		}
		if rec.paid > 0 {
			return false, http.StatusBadRequest, fmt.Sprintf("%s Invoice %d has payments applied and cannot be voided.", msgInvalid, id)
		}
		rec.void = true
	case chargeoverapi.InvoiceActionParamsActionEmail:
		e := Email{InvoiceID: id}
		if body.Email != nil {
			e.To = string(*body.Email)
		}
		if body.MessageSubject != nil {
			e.Subject = *body.MessageSubject
		}
		st.inv.emails = append(st.inv.emails, e)
		return true, http.StatusOK, ""
	case chargeoverapi.InvoiceActionParamsActionPay:
		if rec.void {
			return false, http.StatusBadRequest, fmt.Sprintf("%s Invoice %d is void.", msgInvalid, id)
		}
		due := rec.total - rec.paid
		if body.UseCustomerBalance != nil && *body.UseCustomerBalance {
			due = min(due, st.openBalance(rec.custID))
			st.inv.balanceUsed[rec.custID] += due
		} else if due > 0 {
			// No payment methods in the fake: the charge is a payment of
			// the whole balance.
			amount, _ := dollars(due).Float64()
			inv := rec.id
			date := time.Now().UTC().Format("2006-01-02")
			tx := chargeoverapi.TransactionCreate{CustomerId: &rec.custID, Amount: &amount, TransactionType: chargeoverapi.TransactionTypePay,
				TransactionMethod: ptrTo("Credit Card"), TransactionDate: &date,
				AppliedTo: &[]chargeoverapi.TransactionAppliedCreate{{InvoiceId: &inv, Applied: &amount}}}
			if _, status, msg := st.createTransactionLocked(tx); status != http.StatusCreated {
				return false, status, msg
			}
			return true, http.StatusOK, ""
		}
		if due <= 0 {
			return false, http.StatusOK, ""
		}
		rec.paid += due
		if rec.paid >= rec.total {
			rec.paidOn = time.Now().UTC().Format("2006-01-02")
		}
	default:
		return false, http.StatusBadRequest, fmt.Sprintf("%s Unknown action %q.", msgInvalid, action)
	}
	st.touchInvoice(rec)
	return true, http.StatusOK, ""
}

// openBalance is what a customer's payments and credits leave unapplied,
// in cents; the caller holds the lock.
func (st *store) openBalance(custID int64) int64 {
	var open int64
	for _, t := range st.tx.list {
		if t.CustomerId == nil || t.CustomerId.String() != fmt.Sprint(custID) || t.TransactionType == nil || *t.TransactionType == string(chargeoverapi.TransactionTypeRefund) {
			continue
		}
		amount, _ := t.Amount.Float64()
		open += cents(rat(amount))
		if t.AppliedTo != nil {
			for _, a := range *t.AppliedTo {
				applied, _ := a.Applied.Float64()
				open -= cents(rat(applied))
			}
		}
	}
	return open - st.inv.balanceUsed[custID]
}

func ptrTo[T any](v T) *T { return &v }

// InvoiceAction voids, e-mails or pays one invoice.
func (h *handler) InvoiceAction(_ context.Context, req chargeoverserver.InvoiceActionRequestObject) (chargeoverserver.InvoiceActionResponseObject, error) {
	var body chargeoverapi.InvoiceActionRequest
	if req.Body != nil {
		body = *req.Body
	}
	h.st.mu.Lock()
	did, status, msg := h.st.actionLocked(req.InvoiceId, req.Params.Action, body)
	h.st.mu.Unlock()
	switch status {
	case http.StatusOK:
		empty := ""
		return chargeoverserver.InvoiceAction200JSONResponse{Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty,
			Details: emptyDetails(), Response: flex.Bool(did)}, nil
	case http.StatusNotFound:
		return chargeoverserver.InvoiceAction404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(status, msg))}, nil
	}
	return chargeoverserver.InvoiceAction400JSONResponse(envelope(http.StatusBadRequest, msg)), nil
}

// Emails returns the e-mails the email action "sent", in order.
func (s *Server) Emails() []Email {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return append([]Email(nil), s.st.inv.emails...)
}
