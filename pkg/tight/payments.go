package tight

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// SavePayments saves payments in batches (POST /v6/payments) with the
// results, retries and create keys of SaveCustomers: an item with an Id
// updates that payment and is retried freely; an item without one creates a
// payment, carries a create key in customData, and is created exactly once:
// before the create, and again when the outcome of its request is unknown,
// the facade looks the key up among the payments of the item's description
// (one query per item; a payment without a description is looked up by
// walking every payment, one request per 250, once per request), and
// reports the payment found as a success (Result.Existing), or sends it
// again only when it is surely absent. A call of many creates may instead
// walk the payments once, when that costs fewer requests. A child naming InvoiceId pays that invoice:
// Tight counts its amount in the invoice's totals.paidAmount.
func (c *Client) SavePayments(ctx context.Context, items []PaymentInput, opts ...option.RequestOption) []billbridge.Result[Payment] {
	return c.payments.runSlice(c.e.Context(ctx, opts), items)
}

// SavePaymentsSeq is SavePayments over a stream, in bounded memory.
func (c *Client) SavePaymentsSeq(ctx context.Context, items iter.Seq[PaymentInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[Payment]] {
	return c.payments.run(c.e.Context(ctx, opts), items, -1)
}

// SavePayment saves one payment (an update when it carries an Id, else a
// create) and returns it as Tight stored it.
func (c *Client) SavePayment(ctx context.Context, item PaymentInput, opts ...option.RequestOption) (*Payment, error) {
	return single(c.SavePayments(ctx, []PaymentInput{item}, opts...))
}

// WithPaymentCreateKey is WithCreateKey for payment creates.
func WithPaymentCreateKey(key func(index int, item PaymentInput) string) option.RequestOption {
	return withCreateKey(func(i int, v any) string {
		if p, ok := v.(PaymentInput); ok {
			return key(i, p)
		}
		return ""
	})
}

func (c *Client) paymentSaver() *saver[PaymentInput, Payment] {
	list := func(ctx context.Context, q PaymentQuery) (iter.Seq2[Payment, error], *int) {
		ctx, n := countAttempts(c.e, ctx)
		return c.ListPayments(ctx, q), n
	}
	return &saver[PaymentInput, Payment]{
		e: c.e, op: "savePayments", schema: schemaPayment,
		inputID:  func(in PaymentInput) *string { return in.Id },
		outputID: func(out Payment) string { return out.Id },
		post: func(ctx context.Context, items []PaymentInput) (*http.Response, error) {
			return c.API.SavePayments(ctx, tightapi.SavePaymentsRequest{Data: items})
		},
		decode:  decodePayments,
		data:    func(in PaymentInput) *CustomData { return in.CustomData },
		setData: func(in PaymentInput, d *CustomData) PaymentInput { in.CustomData = d; return in },
		outData: func(out Payment) *CustomData { return out.CustomData },
		// A create key is looked up among the payments of the item's
		// description (Tight's description filter, one request per item,
		// as invoices by name); a payment without one is found by walking
		// every payment (one request per 250), once for all such creates
		// of a request.
		find: func(ctx context.Context, in PaymentInput) (iter.Seq2[Payment, error], *int) {
			if in.Description == nil || *in.Description == "" {
				return nil, nil
			}
			return list(ctx, PaymentQuery{Description: Equal(*in.Description), PageSize: MaxPageSize})
		},
		findBy: func(in PaymentInput) string {
			if in.Description == nil {
				return ""
			}
			return *in.Description
		},
		filter: func(ctx context.Context, field, value string) (iter.Seq2[Payment, error], *int) {
			if field != "description" {
				return nil, nil
			}
			return list(ctx, PaymentQuery{Description: Equal(value), PageSize: MaxPageSize})
		},
		pages: func() engine.PageFunc[Payment] {
			return engine.Walk((*string)(nil), queryPages(c.e, "queryPayments", MaxPageSize, c.postPaymentQuery(tightapi.PaymentQueryRequest{}), decodePaymentQuery))
		},
		withID: func(in PaymentInput, id string) PaymentInput { in.Id = &id; return in },
	}
}

// decodePayments reads a 200/207 answer of savePayments.
func decodePayments(body []byte) ([]item[Payment], error) {
	var env tightapi.PaymentSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Payment], len(env.Data))
	for i, d := range env.Data {
		out[i] = newItem(d.Result, d.StatusCode, d.Data, d.Error)
	}
	return out, nil
}

// PaymentQuery selects the payments of ListPayments. Every filter is
// optional and they combine with AND (Tight's query filter).
type PaymentQuery struct {
	// Search is Tight's free-text search (which fields it looks at is not
	// documented).
	Search string
	// Description filters on the payment's description with Tight's
	// string operators.
	Description *StringFilter
	// Status filters on the record status (ACTIVE, ...).
	Status *StatusFilter
	// BankAccountIDs keeps the payments of one of these bank accounts.
	BankAccountIDs []string
	// OrderBy is the sort field (OrderByDisplayName; empty: Tight's
	// default order), Direction Ascending or Descending.
	OrderBy   string
	Direction SortDirection
	// PageSize is the number of payments per page request: 0 takes
	// DefaultPageSize, at most MaxPageSize.
	PageSize int
}

// OrderByDisplayName sorts payments by display name (the documents'
// example of the payment sort).
const OrderByDisplayName = "DISPLAY_NAME"

// body is the query's request without cursor and limit.
func (q PaymentQuery) body() tightapi.PaymentQueryRequest {
	var r tightapi.PaymentQueryRequest
	if q.Search != "" || q.Description != nil || q.Status != nil || q.BankAccountIDs != nil {
		r.Filter = &tightapi.PaymentQueryFilter{Description: q.Description, Status: q.Status}
		if q.Search != "" {
			r.Filter.Search = &q.Search
		}
		if q.BankAccountIDs != nil {
			r.Filter.BankAccount = &tightapi.BankAccountFilter{Id: &tightapi.IdInNotInFilter{In: &q.BankAccountIDs}}
		}
	}
	if q.OrderBy != "" || q.Direction != "" {
		r.Sort = &tightapi.PaymentSort{}
		if q.OrderBy != "" {
			r.Sort.OrderBy = &q.OrderBy
		}
		if q.Direction != "" {
			r.Sort.Direction = &q.Direction
		}
	}
	return r
}

// ListPayments walks every payment matching q (POST /v6/payments/query),
// page after page, with the cursor, retries, errors and guarantees of
// ListCustomers (nothing yielded twice; break or a cancelled ctx stops the
// walk without another request).
func (c *Client) ListPayments(ctx context.Context, q PaymentQuery, opts ...option.RequestOption) iter.Seq2[Payment, error] {
	return walk(c.e.Context(ctx, opts), c.e, "queryPayments", q.PageSize, func(v Payment) string { return v.Id },
		c.postPaymentQuery(q.body()), decodePaymentQuery)
}

// postPaymentQuery posts the query base with a cursor and a limit.
func (c *Client) postPaymentQuery(base tightapi.PaymentQueryRequest) func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
	return func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
		body := base
		body.Cursor, body.Limit = cursor, &limit
		return c.API.QueryPayments(ctx, body)
	}
}

// decodePaymentQuery reads a page of queryPayments.
func decodePaymentQuery(b []byte) (tightapi.EnvelopeResult, []Payment, *tightapi.QueryCursor, *[]Error, error) {
	env, err := unmarshal[tightapi.PaymentQueryEnvelope](b)
	return env.Result, env.Data, env.Cursor, env.Error, err
}

// GetPayment reads one payment (GET /v6/payments/{id}). An id that names no
// payment gets an error wrapping billbridge.ErrNotFound. The read is retried
// like any safe request. Answers of Tight's older payment version (pmt_…
// ids, classSegments) read into the same Payment.
func (c *Client) GetPayment(ctx context.Context, id string, opts ...option.RequestOption) (*Payment, error) {
	if id == "" {
		return nil, &billbridge.ValidationError{Field: "id", Reason: "empty id"}
	}
	call := engine.Call{Op: "getPayment", Send: func(ctx context.Context) (*http.Response, error) { return c.API.GetPayment(ctx, id) }}
	ans, err := c.e.Call(c.e.Context(ctx, opts), call)
	if err != nil {
		return nil, err
	}
	return readOne(c.e, call, ans, func(b []byte) (*Payment, error) {
		env, err := unmarshal[tightapi.PaymentEnvelope](b)
		return env.Data, err
	})
}

// DeletePayments deletes payments by id (DELETE /v6/payments/{id}, one
// request per id, up to the client's concurrency in flight), with the
// results, retries and 404 rules of DeleteCustomers: a retry answered 404
// after an attempt that may have deleted is a success with AlreadyGone.
func (c *Client) DeletePayments(ctx context.Context, ids []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return collect(c.e.Context(ctx, opts), c, ids, c.deletePayment)
}

// DeletePaymentsSeq is DeletePayments over a stream, in bounded memory.
func (c *Client) DeletePaymentsSeq(ctx context.Context, ids iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return fanOut(c.e.Context(ctx, opts), c, ids, c.deletePayment)
}

// DeletePayment deletes one payment; errors are as in DeletePayments.
func (c *Client) DeletePayment(ctx context.Context, id string, opts ...option.RequestOption) error {
	_, err := single(c.DeletePayments(ctx, []string{id}, opts...))
	return err
}

func (c *Client) deletePayment(ctx context.Context, index int, id string) billbridge.Result[string] {
	return deleteOne(ctx, c.e, "deletePayment", index, id, func(ctx context.Context, id string) (*http.Response, error) {
		return c.API.DeletePayment(ctx, id)
	})
}
