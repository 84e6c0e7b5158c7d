package chargeover

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strconv"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// InvoiceChanges is the body of an invoice update (the spec's
// InvoiceUpdate): the fields to change, none required; LineItems, when
// set, replace every line.
type InvoiceChanges = chargeoverapi.InvoiceUpdate

// InvoiceUpdate is one item of UpdateInvoices: the invoice_id and the
// fields to change.
type InvoiceUpdate struct {
	// ID is the invoice's invoice_id (at least 1).
	ID int64
	// Invoice holds the fields to change.
	Invoice InvoiceChanges
}

// InvoiceEmail is one item of EmailInvoices: the invoice and, optionally,
// the address, subject, text and sender that replace the defaults.
type InvoiceEmail struct {
	// ID is the invoice's invoice_id (at least 1).
	ID int64
	// To, Subject, Body and From replace the defaults when set.
	To, Subject, Body, From string
}

// InvoicePayment is one item of PayInvoices: the invoice, and whether to
// pay only from the customer's open balance (unapplied payments and
// credits) instead of charging the default payment method.
type InvoicePayment struct {
	// ID is the invoice's invoice_id (at least 1).
	ID int64
	// UseCustomerBalance pays from the customer's open balance only.
	UseCustomerBalance bool
}

const (
	opUpdateInvoice = "updateInvoice"
	opInvoiceAction = "invoiceAction"
)

// The spec's InvoiceUpdate and InvoiceActionRequest.
var (
	invoiceUpdateSchema = schemaOf("InvoiceUpdate")
	invoiceActionSchema = schemaOf("InvoiceActionRequest")
)

// ValidateInvoiceUpdate checks an update as UpdateInvoices does before
// sending: an ID of at least 1, changes that match the spec's
// InvoiceUpdate schema, and at most one of item_id and item_external_key
// per line. It returns a *billbridge.ValidationError (Index 0)
// naming the field, or nil.
func ValidateInvoiceUpdate(u InvoiceUpdate) error { return checkInvoiceUpdate(0, u) }

func checkInvoiceUpdate(index int, u InvoiceUpdate) error {
	if u.ID < 1 {
		return &billbridge.ValidationError{Index: index, Field: "invoice_id", Reason: "must be at least 1"}
	}
	if err := checkWith(invoiceUpdateSchema, index, u.Invoice); err != nil {
		return err
	}
	if u.Invoice.LineItems != nil {
		for i, l := range *u.Invoice.LineItems {
			if l.ItemId != nil && l.ItemExternalKey != nil {
				return &billbridge.ValidationError{Index: index, Field: fmt.Sprintf("line_items/%d/item_external_key", i), Reason: "give item_id or item_external_key, not both"}
			}
		}
	}
	return nil
}

// UpdateInvoices updates invoices, one PUT /api/v3/invoice/{invoice_id}
// each (up to the client's concurrency in flight), and returns one result
// per item in input order: Value is the invoice_id, Status the answer's
// (202). Only the fields set change; LineItems replace every line, and
// the totals and balance follow. Updates are idempotent, so they are
// retried after any retryable failure. A missing invoice matches
// billbridge.ErrNotFound; a refusal (a void invoice, a total below what is
// paid) is a *billbridge.APIError with StatusCode 400.
func (c *Client) UpdateInvoices(ctx context.Context, updates []InvoiceUpdate, opts ...option.RequestOption) []billbridge.Result[int64] {
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(1), batch.Each(c.updateInvoiceOne))
}

// UpdateInvoicesSeq is UpdateInvoices over a stream, in bounded memory.
func (c *Client) UpdateInvoicesSeq(ctx context.Context, updates iter.Seq[InvoiceUpdate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(1), batch.Each(c.updateInvoiceOne))
}

// UpdateInvoice updates one invoice; errors are as in UpdateInvoices.
func (c *Client) UpdateInvoice(ctx context.Context, id int64, changes InvoiceChanges, opts ...option.RequestOption) error {
	return c.UpdateInvoices(ctx, []InvoiceUpdate{{ID: id, Invoice: changes}}, opts...)[0].Err
}

func (c *Client) updateInvoiceOne(ctx context.Context, index int, u InvoiceUpdate) billbridge.Result[int64] {
	if err := checkInvoiceUpdate(index, u); err != nil {
		return billbridge.Result[int64]{Err: err}
	}
	call := engine.Call{Op: opUpdateInvoice, Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.UpdateInvoice(ctx, u.ID, u.Invoice)
	}}
	ans, err := c.e.Call(ctx, call)
	r := billbridge.Result[int64]{Status: ans.Status, Attempts: ans.Attempts, RequestID: ans.RequestID}
	if err != nil {
		r.Err = err
		return r
	}
	r.Value, r.ID = u.ID, strconv.FormatInt(u.ID, 10)
	return r
}

// updateFoundInvoices is the Keyed.Update of invoices (ModeUpsert): a PUT
// of the item's fields onto each invoice found holding other data.
func (c *Client) updateFoundInvoices(ctx context.Context, found []Invoice, items []InvoiceCreate, _ [][]billbridge.Change, res []billbridge.Result[int64]) {
	for i, item := range items {
		var changes InvoiceChanges
		raw, _ := json.Marshal(item)
		if err := json.Unmarshal(raw, &changes); err != nil {
			res[i].Err = err
			continue
		}
		res[i] = c.updateInvoiceOne(ctx, i, InvoiceUpdate{ID: idOf(found[i].InvoiceId), Invoice: changes})
	}
}

// VoidInvoices voids invoices by invoice_id (POST
// /api/v3/invoice/{invoice_id}?action=void, one request each) and returns
// one result per id, in input order: Value true when the invoice is void.
// Voiding is idempotent (a void invoice stays void), so it is retried
// after any retryable failure. An invoice with payments applied is refused
// (a *billbridge.APIError with StatusCode 400); a missing one matches
// billbridge.ErrNotFound.
func (c *Client) VoidInvoices(ctx context.Context, ids []int64, opts ...option.RequestOption) []billbridge.Result[bool] {
	return batch.Run(c.e.Context(ctx, opts), ids, c.e.BatchOptions(1), batch.Each(c.voidOne))
}

// VoidInvoicesSeq is VoidInvoices over a stream, in bounded memory.
func (c *Client) VoidInvoicesSeq(ctx context.Context, ids iter.Seq[int64], opts ...option.RequestOption) iter.Seq[billbridge.Result[bool]] {
	return batch.Stream(c.e.Context(ctx, opts), ids, -1, c.e.BatchOptions(1), batch.Each(c.voidOne))
}

// VoidInvoice voids one invoice; errors are as in VoidInvoices.
func (c *Client) VoidInvoice(ctx context.Context, id int64, opts ...option.RequestOption) error {
	return c.VoidInvoices(ctx, []int64{id}, opts...)[0].Err
}

func (c *Client) voidOne(ctx context.Context, index int, id int64) billbridge.Result[bool] {
	return c.action(ctx, index, id, chargeoverapi.InvoiceActionParamsActionVoid, chargeoverapi.InvoiceActionRequest{}, false)
}

// EmailInvoices e-mails invoices (POST
// /api/v3/invoice/{invoice_id}?action=email, one request each) and returns
// one result per item, in input order. Every request sends an e-mail, so a
// request whose answer is lost after it may have been acted on (a 5xx, a
// dropped connection) is not sent again: its result wraps
// billbridge.ErrOutcomeUnknown (the e-mail may or may not have gone out).
// An item that repeats an earlier item's invoice_id and To (a line
// repeated in a file) is refused with a *billbridge.ValidationError naming
// that item, nothing sent: one call e-mails an invoice to an address once
// (the pairs are kept as 128-bit hashes, about 40 bytes per item, also by
// EmailInvoicesSeq).
func (c *Client) EmailInvoices(ctx context.Context, emails []InvoiceEmail, opts ...option.RequestOption) []billbridge.Result[bool] {
	reps := &engine.Repeats{}
	for i, e := range emails {
		reps.Note(i, emailKey(e))
	}
	return batch.Run(c.e.Context(ctx, opts), emails, c.e.BatchOptions(1), batch.Each(c.emailer(reps)))
}

// EmailInvoicesSeq is EmailInvoices over a stream, in bounded memory but
// for the pairs it keeps to refuse repeats (about 40 bytes per item).
func (c *Client) EmailInvoicesSeq(ctx context.Context, emails iter.Seq[InvoiceEmail], opts ...option.RequestOption) iter.Seq[billbridge.Result[bool]] {
	reps := &engine.Repeats{}
	noted := func(yield func(InvoiceEmail) bool) {
		i := 0
		for e := range emails {
			reps.Note(i, emailKey(e))
			i++
			if !yield(e) {
				return
			}
		}
	}
	return batch.Stream(c.e.Context(ctx, opts), noted, -1, c.e.BatchOptions(1), batch.Each(c.emailer(reps)))
}

// emailKey is what makes two items of one call the same e-mail: the
// invoice and the recipient ("" for the customer's contacts).
func emailKey(e InvoiceEmail) string { return strconv.FormatInt(e.ID, 10) + "\x00" + e.To }

// emailer is the per-item send of one EmailInvoices call: an item whose
// invoice and recipient reps saw on an earlier item is refused, nothing
// sent.
func (c *Client) emailer(reps *engine.Repeats) func(ctx context.Context, index int, e InvoiceEmail) billbridge.Result[bool] {
	return func(ctx context.Context, index int, e InvoiceEmail) billbridge.Result[bool] {
		if first, dup := reps.First(index); dup && e.ID >= 1 {
			to := "the customer's contacts"
			if e.To != "" {
				to = e.To
			}
			return billbridge.Result[bool]{Err: &billbridge.ValidationError{Index: index, Field: "invoice_id",
				Reason: fmt.Sprintf("invoice %d to %s repeats item %d: a call e-mails an invoice to an address once (nothing sent for this item)", e.ID, to, first)}}
		}
		return c.emailOne(ctx, index, e)
	}
}

// EmailInvoice e-mails one invoice; errors are as in EmailInvoices.
func (c *Client) EmailInvoice(ctx context.Context, email InvoiceEmail, opts ...option.RequestOption) error {
	return c.EmailInvoices(ctx, []InvoiceEmail{email}, opts...)[0].Err
}

func (c *Client) emailOne(ctx context.Context, index int, e InvoiceEmail) billbridge.Result[bool] {
	var body chargeoverapi.InvoiceActionRequest
	// Each address is read on its own, so that a bad one is named by its
	// own field (email is the recipient, message_from the sender).
	for _, a := range []struct {
		field, value string
		to           **openapi_types.Email
	}{{"email", e.To, &body.Email}, {"message_from", e.From, &body.MessageFrom}} {
		if a.value == "" {
			continue
		}
		raw, _ := json.Marshal(a.value)
		addr := new(openapi_types.Email)
		if err := json.Unmarshal(raw, addr); err != nil {
			return billbridge.Result[bool]{Err: &billbridge.ValidationError{Index: index, Field: a.field, Reason: err.Error()}}
		}
		*a.to = addr
	}
	if e.Subject != "" {
		body.MessageSubject = &e.Subject
	}
	if e.Body != "" {
		body.MessageBody = &e.Body
	}
	return c.action(ctx, index, e.ID, chargeoverapi.InvoiceActionParamsActionEmail, body, true)
}

// PayInvoices pays invoices (POST /api/v3/invoice/{invoice_id}?action=pay,
// one request each): the balance, charged to the customer's default
// payment method or, with UseCustomerBalance, taken from the customer's
// open balance. A result's Value says whether anything was applied (false:
// nothing was due, or no open balance). A pay applies only what is due, so
// a repeat after a lost answer pays nothing more: it is retried like an
// idempotent call, and a retry's Value false (Attempts above 1) may mean
// that the lost attempt paid. An item that repeats an earlier item's
// invoice_id is refused with a *billbridge.ValidationError naming that
// item, nothing sent: two pays of one invoice in flight at once could
// both charge before either lowers the balance (the ids are kept as
// hashes, about 40 bytes per item, also by PayInvoicesSeq).
func (c *Client) PayInvoices(ctx context.Context, payments []InvoicePayment, opts ...option.RequestOption) []billbridge.Result[bool] {
	reps := &engine.Repeats{}
	for i, p := range payments {
		reps.Note(i, strconv.FormatInt(p.ID, 10))
	}
	return batch.Run(c.e.Context(ctx, opts), payments, c.e.BatchOptions(1), batch.Each(c.payer(reps)))
}

// PayInvoicesSeq is PayInvoices over a stream, in bounded memory but for
// the ids it keeps to refuse repeats (about 40 bytes per item).
func (c *Client) PayInvoicesSeq(ctx context.Context, payments iter.Seq[InvoicePayment], opts ...option.RequestOption) iter.Seq[billbridge.Result[bool]] {
	reps := &engine.Repeats{}
	noted := func(yield func(InvoicePayment) bool) {
		i := 0
		for p := range payments {
			reps.Note(i, strconv.FormatInt(p.ID, 10))
			i++
			if !yield(p) {
				return
			}
		}
	}
	return batch.Stream(c.e.Context(ctx, opts), noted, -1, c.e.BatchOptions(1), batch.Each(c.payer(reps)))
}

// payer is the per-item pay of one PayInvoices call: an item whose invoice
// reps saw on an earlier item is refused, nothing sent.
func (c *Client) payer(reps *engine.Repeats) func(ctx context.Context, index int, p InvoicePayment) billbridge.Result[bool] {
	return func(ctx context.Context, index int, p InvoicePayment) billbridge.Result[bool] {
		if first, dup := reps.First(index); dup && p.ID >= 1 {
			return billbridge.Result[bool]{Err: &billbridge.ValidationError{Index: index, Field: "invoice_id",
				Reason: fmt.Sprintf("invoice %d repeats item %d: a call pays an invoice once (nothing sent for this item)", p.ID, first)}}
		}
		return c.payOne(ctx, index, p)
	}
}

// PayInvoice pays one invoice and reports whether anything was applied;
// errors are as in PayInvoices.
func (c *Client) PayInvoice(ctx context.Context, payment InvoicePayment, opts ...option.RequestOption) (bool, error) {
	r := c.PayInvoices(ctx, []InvoicePayment{payment}, opts...)[0]
	return r.Value, r.Err
}

func (c *Client) payOne(ctx context.Context, index int, p InvoicePayment) billbridge.Result[bool] {
	var body chargeoverapi.InvoiceActionRequest
	if p.UseCustomerBalance {
		body.UseCustomerBalance = &p.UseCustomerBalance
	}
	return c.action(ctx, index, p.ID, chargeoverapi.InvoiceActionParamsActionPay, body, false)
}

// action sends one invoice action; unsafe marks an action whose repeat
// acts again (email).
func (c *Client) action(ctx context.Context, index int, id int64, action chargeoverapi.InvoiceActionParamsAction, body chargeoverapi.InvoiceActionRequest, unsafe bool) billbridge.Result[bool] {
	if id < 1 {
		return billbridge.Result[bool]{Err: &billbridge.ValidationError{Index: index, Field: "invoice_id", Reason: "must be at least 1"}}
	}
	if err := checkWith(invoiceActionSchema, index, body); err != nil {
		return billbridge.Result[bool]{Err: err}
	}
	params := &chargeoverapi.InvoiceActionParams{Action: action}
	call := engine.Call{Op: opInvoiceAction, Unsafe: unsafe, Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.InvoiceAction(ctx, id, params, body)
	}}
	var r billbridge.Result[bool]
	// A 2xx whose body cannot be read: an idempotent action (void, pay) is
	// sent again, up to the client's rounds; email's outcome is unknown.
	for round := 1; ; round++ {
		ans, err := c.e.Call(ctx, call)
		r.Status, r.Attempts, r.RequestID = ans.Status, r.Attempts+ans.Attempts, ans.RequestID
		if err != nil {
			r.Err = err
			return r
		}
		var env struct {
			Response *flex.Bool `json:"response"`
		}
		if err := json.Unmarshal(ans.Body, &env); err != nil || env.Response == nil {
			if err == nil {
				err = fmt.Errorf("no response in the %s answer", action)
			}
			r.Err = c.e.Undecodable(call, ans, err)
			if unsafe || round >= c.rounds || ctx.Err() != nil {
				return r
			}
			continue
		}
		r.Err, r.Value, r.ID = nil, bool(*env.Response), strconv.FormatInt(id, 10)
		return r
	}
}
