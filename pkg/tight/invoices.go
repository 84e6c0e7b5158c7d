package tight

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// SaveInvoices saves invoices in batches (POST /v6/invoicing/invoices) with
// the same per-item results and retry rules as SaveCustomers.
func (c *Client) SaveInvoices(ctx context.Context, items []InvoiceInput, opts ...option.RequestOption) []billbridge.Result[Invoice] {
	return batch.Run(c.e.Context(ctx, opts), items, c.e.BatchOptions(c.e.BatchSize), c.invoices.send)
}

// SaveInvoicesSeq is SaveInvoices over a stream, in bounded memory.
func (c *Client) SaveInvoicesSeq(ctx context.Context, items iter.Seq[InvoiceInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[Invoice]] {
	return batch.Stream(c.e.Context(ctx, opts), items, -1, c.e.BatchOptions(c.e.BatchSize), c.invoices.send)
}

// SaveInvoice saves one invoice (an update when it carries an Id, else a
// create) and returns it as Tight stored it, totals computed.
func (c *Client) SaveInvoice(ctx context.Context, item InvoiceInput, opts ...option.RequestOption) (*Invoice, error) {
	return single(c.SaveInvoices(ctx, []InvoiceInput{item}, opts...))
}

func (c *Client) invoiceSaver(v *validate.Validator) *saver[InvoiceInput, Invoice] {
	return &saver[InvoiceInput, Invoice]{
		e: c.e, op: "saveInvoices", validator: v,
		inputID:  func(in InvoiceInput) *string { return in.Id },
		outputID: func(out Invoice) string { return out.Id },
		post: func(ctx context.Context, items []InvoiceInput) (*http.Response, error) {
			return c.API.SaveInvoices(ctx, tightapi.SaveInvoicesRequest{Data: items})
		},
		decode: decodeInvoices,
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
