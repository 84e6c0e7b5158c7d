package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
)

// firstTransactionID is the transaction_id of the first transaction.
const firstTransactionID = 9000

// transactions is the transaction part of the store; the store's mutex
// guards it. ChargeOver keeps no unique key on transactions, so neither
// does the fake: a second transaction with a used gateway_transid is
// recorded as another one.
type transactions struct {
	list   []chargeoverapi.Transaction
	views  []map[string]any
	schema *openapi3.Schema
	fields map[string]bool
}

func newTransactions(spec *openapi3.T) (transactions, error) {
	create, read := spec.Components.Schemas["TransactionCreate"], spec.Components.Schemas["Transaction"]
	if create == nil || create.Value == nil || read == nil || read.Value == nil {
		return transactions{}, fmt.Errorf("chargeovertest: spec has no TransactionCreate or Transaction schema")
	}
	fields := map[string]bool{}
	for name := range read.Value.Properties {
		fields[name] = true
	}
	return transactions{schema: create.Value, fields: fields}, nil
}

// createTransactionLocked records a transaction and applies it to its
// invoices, all or nothing: 201 and its id, or 400 and the reason. The
// caller holds the lock.
func (st *store) createTransactionLocked(in chargeoverapi.TransactionCreate) (int64, int, string) {
	var custID int64
	switch {
	case in.CustomerId != nil && in.CustomerExternalKey != nil:
		return 0, http.StatusBadRequest, msgInvalid + " give customer_id or customer_external_key, not both."
	case in.CustomerId != nil:
		if _, ok := st.byID(*in.CustomerId); !ok {
			return 0, http.StatusBadRequest, fmt.Sprintf("%s customer_id %d names no customer.", msgInvalid, *in.CustomerId)
		}
		custID = *in.CustomerId
	case in.CustomerExternalKey != nil:
		c, ok := st.byKey(*in.CustomerExternalKey)
		if !ok {
			return 0, http.StatusBadRequest, fmt.Sprintf("%s customer_external_key %q names no customer.", msgInvalid, *in.CustomerExternalKey)
		}
		custID, _ = c.CustomerId.Int64()
	default:
		return 0, http.StatusBadRequest, msgInvalid + " customer_id or customer_external_key is required."
	}
	if in.TransactionType == chargeoverapi.TransactionTypeRefund && len(appliedTo(in)) > 0 {
		return 0, http.StatusBadRequest, msgInvalid + " a refund is not applied to invoices."
	}
	// Check every application before changing anything.
	type application struct {
		rec   *invoice
		cents int64
	}
	var apps []application
	var sum int64
	for i, a := range appliedTo(in) {
		var rec *invoice
		ok := false
		switch {
		case a.InvoiceId != nil:
			rec, ok = st.invoiceByID(*a.InvoiceId)
		case a.InvoiceExternalKey != nil:
			rec, ok = st.invoiceByKey(*a.InvoiceExternalKey)
		}
		if !ok {
			return 0, http.StatusBadRequest, fmt.Sprintf("%s applied_to[%d] names no invoice.", msgInvalid, i)
		}
		if rec.custID != custID || rec.void {
			return 0, http.StatusBadRequest, fmt.Sprintf("%s applied_to[%d]: invoice %d is not an open invoice of customer %d.", msgInvalid, i, rec.id, custID)
		}
		balance := rec.total - rec.paid
		for _, prev := range apps {
			if prev.rec == rec {
				balance -= prev.cents
			}
		}
		c := balance
		if a.Applied != nil {
			c = cents(rat(*a.Applied))
		}
		if c > balance {
			return 0, http.StatusBadRequest, fmt.Sprintf("%s applied_to[%d] applies %s to invoice %d, whose balance is %s.", msgInvalid, i, *dollars(c), rec.id, *dollars(balance))
		}
		apps = append(apps, application{rec, c})
		sum += c
	}
	amount := sum
	if in.Amount != nil {
		amount = cents(rat(*in.Amount))
	} else if len(apps) == 0 {
		return 0, http.StatusBadRequest, msgInvalid + " amount is required when nothing is applied."
	}
	if sum > amount {
		return 0, http.StatusBadRequest, fmt.Sprintf("%s applied_to applies %s, more than the amount %s.", msgInvalid, *dollars(sum), *dollars(amount))
	}
	date := time.Now().UTC().Format("2006-01-02")
	if in.TransactionDate != nil {
		date = *in.TransactionDate
	}
	var out chargeoverapi.Transaction
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(b, &out) // the create fields keep their names
	id := firstTransactionID + int64(len(st.tx.list))
	out.TransactionId = json.Number(strconv.FormatInt(id, 10))
	cust := json.Number(strconv.FormatInt(custID, 10))
	out.CustomerId, out.Amount, out.TransactionDate = &cust, dollars(amount), &date
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	out.TransactionDatetime = &now
	applied := make([]chargeoverapi.TransactionApplied, len(apps))
	for i, a := range apps {
		a.rec.paid += a.cents
		if a.rec.paid >= a.rec.total {
			a.rec.paidOn = date
		}
		st.touchInvoice(a.rec)
		inv := json.Number(strconv.FormatInt(a.rec.id, 10))
		applied[i] = chargeoverapi.TransactionApplied{InvoiceId: &inv, Applied: dollars(a.cents)}
	}
	out.AppliedTo = &applied
	st.tx.list = append(st.tx.list, out)
	st.tx.views = append(st.tx.views, view(out))
	st.event("transaction", out.TransactionId, "insert", out)
	return id, http.StatusCreated, ""
}

// CreateTransaction records one transaction.
func (h *handler) CreateTransaction(_ context.Context, req chargeoverserver.CreateTransactionRequestObject) (chargeoverserver.CreateTransactionResponseObject, error) {
	h.st.mu.Lock()
	id, status, msg := h.st.createTransactionLocked(*req.Body)
	h.st.mu.Unlock()
	if status != http.StatusCreated {
		return chargeoverserver.CreateTransaction400JSONResponse(envelope(status, msg)), nil
	}
	return chargeoverserver.CreateTransaction201JSONResponse(created(id)), nil
}

// listTransactions runs a query; the caller holds the lock.
func (st *store) listTransactions(q query) []chargeoverapi.Transaction {
	out := []chargeoverapi.Transaction{}
	for _, i := range selectViews(st.tx.views, func(int) bool { return false }, q) {
		out = append(out, st.tx.list[i])
	}
	return out
}

// ListTransactions answers one page of a transaction query.
func (h *handler) ListTransactions(_ context.Context, req chargeoverserver.ListTransactionsRequestObject) (chargeoverserver.ListTransactionsResponseObject, error) {
	p := req.Params
	q, err := parseQueryOf(h.st.tx.fields, p.Where, p.Order, p.Offset, p.Limit)
	if err != nil {
		return chargeoverserver.ListTransactions400JSONResponse(envelope(http.StatusBadRequest, msgInvalid+" "+err.Error())), nil
	}
	h.st.mu.Lock()
	page := h.st.listTransactions(q)
	h.st.mu.Unlock()
	empty := ""
	return chargeoverserver.ListTransactions200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: page,
	}, nil
}

// GetTransaction reads one transaction.
func (h *handler) GetTransaction(_ context.Context, req chargeoverserver.GetTransactionRequestObject) (chargeoverserver.GetTransactionResponseObject, error) {
	h.st.mu.Lock()
	i := req.TransactionId - firstTransactionID
	ok := i >= 0 && i < int64(len(h.st.tx.list))
	var t chargeoverapi.Transaction
	if ok {
		t = h.st.tx.list[i]
	}
	h.st.mu.Unlock()
	if !ok {
		msg := fmt.Sprintf("%s No transaction has transaction_id %d.", msgNotFound, req.TransactionId)
		return chargeoverserver.GetTransaction404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(http.StatusNotFound, msg))}, nil
	}
	empty := ""
	return chargeoverserver.GetTransaction200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: t,
	}, nil
}

// subTransaction runs the _bulk sub-requests on /api/v3/transaction: POST
// (a create) and GET with a query (a page, how keys are looked up); ok is
// false for any other. The caller holds the lock.
func (h *handler) subTransaction(sub chargeoverapi.BulkSubRequest, path, rawQuery string) (chargeoverapi.BulkItemResult, bool) {
	const base = "/api/v3/transaction"
	st := h.st
	if res, ok := subCollection(sub, path, rawQuery, base, st.tx.schema, st.tx.fields, st.createTransactionLocked, st.listTransactions); ok {
		return res, true
	}
	switch {
	case strings.HasPrefix(path, base+"/") && sub.RequestMethod == chargeoverapi.BulkGET:
		id, err := strconv.ParseInt(strings.TrimPrefix(path, base+"/"), 10, 64)
		if err != nil {
			return chargeoverapi.BulkItemResult{}, false
		}
		i := id - firstTransactionID
		if i < 0 || i >= int64(len(st.tx.list)) {
			return subError(http.StatusNotFound, fmt.Sprintf("%s No transaction has transaction_id %d.", msgNotFound, id)), true
		}
		return subOK(http.StatusOK, st.tx.list[i]), true
	}
	return chargeoverapi.BulkItemResult{}, false
}

// Transactions returns every transaction in creation order.
func (s *Server) Transactions() []chargeoverapi.Transaction {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]chargeoverapi.Transaction, len(s.st.tx.list))
	for i, t := range s.st.tx.list {
		b, _ := json.Marshal(t)
		_ = json.Unmarshal(b, &out[i]) // a deep copy
	}
	return out
}

// appliedTo is the create's applied_to, empty when absent.
func appliedTo(in chargeoverapi.TransactionCreate) []chargeoverapi.TransactionAppliedCreate {
	if in.AppliedTo == nil {
		return nil
	}
	return *in.AppliedTo
}
