package tight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// SaveInvoices saves invoices in batches (POST /v6/invoicing/invoices) with
// the same per-item results and retry rules as SaveCustomers.
func (c *Client) SaveInvoices(ctx context.Context, items []InvoiceInput, opts ...option.RequestOption) []billbridge.Result[Invoice] {
	return c.invoices.runSlice(c.e.Context(ctx, opts), items)
}

// SaveInvoicesSeq is SaveInvoices over a stream, in bounded memory.
func (c *Client) SaveInvoicesSeq(ctx context.Context, items iter.Seq[InvoiceInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[Invoice]] {
	return c.invoices.run(c.e.Context(ctx, opts), items, -1)
}

// SaveInvoice saves one invoice (an update when it carries an Id, else a
// create) and returns it as Tight stored it, totals computed.
func (c *Client) SaveInvoice(ctx context.Context, item InvoiceInput, opts ...option.RequestOption) (*Invoice, error) {
	return single(c.SaveInvoices(ctx, []InvoiceInput{item}, opts...))
}

func (c *Client) invoiceSaver() *saver[InvoiceInput, Invoice] {
	return &saver[InvoiceInput, Invoice]{
		e: c.e, op: "saveInvoices", schema: schemaInvoice,
		inputID:  func(in InvoiceInput) *string { return in.Id },
		outputID: func(out Invoice) string { return out.Id },
		post: func(ctx context.Context, items []InvoiceInput) (*http.Response, error) {
			return c.API.SaveInvoices(ctx, tightapi.SaveInvoicesRequest{Data: items})
		},
		decode:  decodeInvoices,
		data:    func(in InvoiceInput) *CustomData { return in.CustomData },
		setData: func(in InvoiceInput, d *CustomData) InvoiceInput { in.CustomData = d; return in },
		outData: func(out Invoice) *CustomData { return out.CustomData },
		find: func(ctx context.Context, in InvoiceInput) (iter.Seq2[Invoice, error], *int) {
			if in.Name == nil || *in.Name == "" {
				return nil, nil
			}
			ctx, n := countAttempts(c.e, ctx)
			return c.ListInvoices(ctx, InvoiceQuery{Name: Equal(*in.Name), PageSize: MaxPageSize}), n
		},
		findBy: func(in InvoiceInput) string {
			if in.Name == nil {
				return ""
			}
			return *in.Name
		},
		filter: func(ctx context.Context, field, value string) (iter.Seq2[Invoice, error], *int) {
			if field != "name" {
				return nil, nil
			}
			ctx, n := countAttempts(c.e, ctx)
			return c.ListInvoices(ctx, InvoiceQuery{Name: Equal(value), PageSize: MaxPageSize}), n
		},
		pages: func() engine.PageFunc[Invoice] {
			return engine.Walk((*string)(nil), queryPages(c.e, "queryInvoices", MaxPageSize, c.postInvoiceQuery(tightapi.InvoiceQueryRequest{}), decodeInvoiceQuery))
		},
		withID: func(in InvoiceInput, id string) InvoiceInput { in.Id = &id; return in },
	}
}

// decodeInvoices reads a 200/207 answer of saveInvoices.
func decodeInvoices(body []byte) ([]item[Invoice], error) {
	var env tightapi.InvoiceSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Invoice], len(env.Data))
	for i, d := range env.Data {
		out[i] = newItem(d.Result, d.StatusCode, d.Data, d.Error)
	}
	return out, nil
}

// InvoiceQuery selects the invoices of ListInvoices. Every filter is
// optional and they combine with AND (Tight's query filter).
type InvoiceQuery struct {
	// Search is Tight's free-text search (which fields it looks at is not
	// documented).
	Search string
	// Name filters on the invoice's name with Tight's string operators.
	Name *StringFilter
	// Status filters on the record status (ACTIVE, ...).
	Status *StatusFilter
	// InvoiceStatus filters on the invoice state (In, NotIn; OPEN,
	// DRAFT, ...; see InvoiceStatusIn).
	InvoiceStatus *InvoiceStatusFilter
	// OrderBy is the sort field (OrderByName; empty: Tight's default
	// order), Direction Ascending or Descending. The documents' renderings
	// disagree on the invoice sort ({orderBy, direction} or {value}); the
	// spec decides for {orderBy, direction}.
	OrderBy   string
	Direction SortDirection
	// PageSize is the number of invoices per page request: 0 takes
	// DefaultPageSize, at most MaxPageSize.
	PageSize int
}

// body is the query's request without cursor and limit.
func (q InvoiceQuery) body() tightapi.InvoiceQueryRequest {
	var r tightapi.InvoiceQueryRequest
	if q.Search != "" || q.Name != nil || q.Status != nil || q.InvoiceStatus != nil {
		r.Filter = &tightapi.InvoiceQueryFilter{Name: q.Name, Status: q.Status, InvoiceStatus: q.InvoiceStatus}
		if q.Search != "" {
			r.Filter.Search = &q.Search
		}
	}
	if q.OrderBy != "" || q.Direction != "" {
		r.Sort = &tightapi.InvoiceSort{}
		if q.OrderBy != "" {
			r.Sort.OrderBy = &q.OrderBy
		}
		if q.Direction != "" {
			r.Sort.Direction = &q.Direction
		}
	}
	return r
}

// ListInvoices walks every invoice matching q (POST
// /v6/invoicing/invoices/query), page after page, with the same cursor,
// retries, errors and guarantees as ListCustomers: nothing is yielded twice
// (ids are deduplicated within the walk), an invoice that existed through
// the walk is not skipped when the cursor marks the last invoice seen, and
// invoices created during the walk may or may not appear.
func (c *Client) ListInvoices(ctx context.Context, q InvoiceQuery, opts ...option.RequestOption) iter.Seq2[Invoice, error] {
	return walk(c.e.Context(ctx, opts), c.e, "queryInvoices", q.PageSize, func(v Invoice) string { return v.Id },
		c.postInvoiceQuery(q.body()), decodeInvoiceQuery)
}

// postInvoiceQuery posts the query base with a cursor and a limit.
func (c *Client) postInvoiceQuery(base tightapi.InvoiceQueryRequest) func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
	return func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
		body := base
		body.Cursor, body.Limit = cursor, &limit
		return c.API.QueryInvoices(ctx, body)
	}
}

// decodeInvoiceQuery reads a page of queryInvoices.
func decodeInvoiceQuery(b []byte) (tightapi.EnvelopeResult, []Invoice, *tightapi.QueryCursor, *[]Error, error) {
	env, err := unmarshal[tightapi.InvoiceQueryEnvelope](b)
	return env.Result, env.Data, env.Cursor, env.Error, err
}

// DeleteInvoices deletes invoices by id (DELETE
// /v6/invoicing/invoices/{id}, one request per id, up to the client's
// concurrency in flight), with the results, retries and 404 rules of
// DeleteCustomers.
func (c *Client) DeleteInvoices(ctx context.Context, ids []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return collect(c.e.Context(ctx, opts), c, ids, c.deleteInvoice)
}

// DeleteInvoicesSeq is DeleteInvoices over a stream, in bounded memory.
func (c *Client) DeleteInvoicesSeq(ctx context.Context, ids iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return fanOut(c.e.Context(ctx, opts), c, ids, c.deleteInvoice)
}

// DeleteInvoice deletes one invoice; errors are as in DeleteInvoices.
func (c *Client) DeleteInvoice(ctx context.Context, id string, opts ...option.RequestOption) error {
	_, err := single(c.DeleteInvoices(ctx, []string{id}, opts...))
	return err
}

func (c *Client) deleteInvoice(ctx context.Context, index int, id string) billbridge.Result[string] {
	return deleteOne(ctx, c.e, "deleteInvoice", index, id, func(ctx context.Context, id string) (*http.Response, error) {
		return c.API.DeleteInvoice(ctx, id)
	})
}

// SendInvoice is one invoice to e-mail with SendInvoices.
type SendInvoice struct {
	// ID is the invoice's id (inv_…).
	ID string
	// Type is what to send it as: SendAsInvoice, SendAsQuote (the
	// documents' example), or empty, which sends no type and leaves it to
	// Tight (the fake sends an invoice).
	Type string
}

// The send types: QUOTE is the documents' example, INVOICE its evident
// counterpart (the full list is not documented).
const (
	SendAsInvoice = "INVOICE"
	SendAsQuote   = "QUOTE"
)

// SendInvoices e-mails invoices to their customers (POST
// /v6/invoicing/invoices/{id}/send, one request per invoice, up to the
// client's concurrency in flight) and returns one result per item, in input
// order: ID the invoice id, Value the invoice as Tight answered it (its
// e-mail state updated).
//
// A send is not idempotent and Tight has no idempotency key: every accepted
// request is one more e-mail. So it is repeated blindly only when Tight
// surely did not act (429, or a failure before the request was written).
// After a failure that may have reached Tight (a 5xx, a dropped connection,
// a cut answer) the outcome is settled by reading the invoice back (see
// settleSend): an e-mail recorded by this call (collectionInfo
// emailSentDatetime at or after the call's start, less SendClockSkew) or
// still under way (an emailStatus other than SENT) makes the item
// a success with Existing set; an invoice that shows no e-mail, or only one
// older than the call, was not sent, and is sent again, at most SendRounds
// sends in all. Only when the invoice cannot be read does the item end with
// an error wrapping billbridge.ErrOutcomeUnknown. An unknown id fails with
// billbridge.ErrNotFound. An id that an earlier item of the call holds is
// refused with a *billbridge.ValidationError naming that item, nothing
// sent: one call e-mails an invoice once (the ids are kept as 128-bit
// hashes, about 40 bytes per item, also by SendInvoicesSeq).
//
// What Tight's fields prove, and what they do not: emailSentDatetime is the
// time of the invoice's last e-mail, so a time inside the call proves an
// e-mail went out during it (this call's, unless someone else sent the same
// invoice at the same moment), and a time before the call proves only that
// an older e-mail exists: this call's request is then taken as not acted
// on. The times are compared on Tight's clock: the read-back measures its
// offset from the client's by the Date header of Tight's answers (a Date a
// day or more off is ignored, and without one the client's clock is used).
// An e-mail sent within SendClockSkew before the call is read as this
// call's (the offset is known to a second or so), so it is not sent again. An emailStatus other than SENT (an e-mail queued, still
// in progress: the documents show no other value) is read as this call's
// send under way, even though a send from before the call that is still
// queued, or ended in another state, looks the same; a status that says no
// e-mail went out (NOT_SENT, UNSENT, NONE, FAILED, ERROR, BOUNCED) reads as
// not sent.
// If Tight recorded a send only some time after answering it, a read right
// after a lost answer would show nothing and the invoice would be sent
// again: the documents do not say when the fields are written.
func (c *Client) SendInvoices(ctx context.Context, items []SendInvoice, opts ...option.RequestOption) []billbridge.Result[Invoice] {
	reps := &engine.Repeats{}
	for i, in := range items {
		reps.Note(i, in.ID)
	}
	return collect(c.e.Context(ctx, opts), c, items, c.sender(reps))
}

// SendInvoicesSeq is SendInvoices over a stream, in bounded memory but for
// the ids it keeps to refuse repeats (about 40 bytes per item).
func (c *Client) SendInvoicesSeq(ctx context.Context, items iter.Seq[SendInvoice], opts ...option.RequestOption) iter.Seq[billbridge.Result[Invoice]] {
	reps := &engine.Repeats{}
	noted := func(yield func(SendInvoice) bool) {
		i := 0
		for in := range items {
			reps.Note(i, in.ID)
			i++
			if !yield(in) {
				return
			}
		}
	}
	return fanOut(c.e.Context(ctx, opts), c, noted, c.sender(reps))
}

// SendInvoice sends one invoice and returns it as Tight answered it;
// errors are as in SendInvoices.
func (c *Client) SendInvoice(ctx context.Context, item SendInvoice, opts ...option.RequestOption) (*Invoice, error) {
	return single(c.SendInvoices(ctx, []SendInvoice{item}, opts...))
}

// sender is the per-item send of one SendInvoices call, its read-backs
// shared (see settleSend); an invoice id that reps saw on an earlier item
// is refused, nothing sent.
func (c *Client) sender(reps *engine.Repeats) func(ctx context.Context, index int, in SendInvoice) billbridge.Result[Invoice] {
	reads := c.invoiceReads()
	return func(ctx context.Context, index int, in SendInvoice) billbridge.Result[Invoice] {
		if first, dup := reps.First(index); dup && in.ID != "" {
			return billbridge.Result[Invoice]{Err: &billbridge.ValidationError{Index: index, Field: "id",
				Reason: fmt.Sprintf("invoice %s repeats item %d: a call e-mails an invoice once (nothing sent for this item)", in.ID, first)}}
		}
		return c.sendInvoice(ctx, reads, index, in)
	}
}

func (c *Client) sendInvoice(ctx context.Context, reads *engine.Coalesce[string, readBack], index int, in SendInvoice) billbridge.Result[Invoice] {
	if in.ID == "" {
		return billbridge.Result[Invoice]{Err: &billbridge.ValidationError{Index: index, Field: "id", Reason: "empty id"}}
	}
	var body tightapi.SendInvoiceRequest
	if in.Type != "" {
		body.Type = &in.Type
	}
	call := engine.Call{Op: "sendInvoice", Unsafe: true, Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.SendInvoice(ctx, in.ID, body)
	}}
	start := time.Now()
	var r billbridge.Result[Invoice]
	for round := 1; ; round++ {
		ans, err := c.e.Call(ctx, call)
		r.Status, r.Attempts, r.Err = ans.Status, r.Attempts+ans.Attempts, err
		if err == nil {
			// A 200 whose body does not read is an unknown outcome too
			// (Undecodable of an unsafe call), settled below.
			inv, rerr := readOne(c.e, call, ans, func(b []byte) (*Invoice, error) {
				env, err := unmarshal[tightapi.InvoiceEnvelope](b)
				return env.Data, err
			})
			if rerr == nil {
				r.ID, r.Value = in.ID, *inv
				return r
			}
			r.Err = rerr
		}
		if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) {
			return r
		}
		inv, sent, attempts, rerr := c.settleSend(ctx, reads, in.ID, start)
		r.Attempts += attempts
		switch {
		case rerr != nil:
			// The invoice cannot be read: the outcome stays unknown.
			c.e.Logger.DebugContext(ctx, "tight: send not settled", "invoice", in.ID, "error", rerr)
			return r
		case sent:
			r.ID, r.Value, r.Err, r.Existing, r.Status = in.ID, *inv, nil, true, http.StatusOK
			return r
		case round >= SendRounds:
			// Read back and found not sent, every round: safe to send
			// again later, so not sent rather than unknown.
			r.Err = c.e.NotSent("sendInvoice", fmt.Errorf("invoice %s: the read-back shows no e-mail after %d sends whose answers were lost", in.ID, round))
			return r
		}
		c.e.Logger.DebugContext(ctx, "tight: send did not act, sending again", "invoice", in.ID, "round", round)
	}
}
