package tight

import (
	"context"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/facade"
	"github.com/billbridge/billbridge/pkg/batch"
)

// SaveCustomers saves customers in batches (POST /v6/customers) and returns
// one result per item, in input order: Index, ID (the saved customer's id),
// Value (the customer as Tight returned it), Status (the item's own
// statusCode), Attempts, or Err. Items with an Id update that customer and
// are retried freely; items without an Id create one and are never re-sent
// when Tight may have acted (their error then wraps
// transport.ErrOutcomeUnknown). See the package comment for the details.
func (c *Client) SaveCustomers(ctx context.Context, items []CustomerInput) []batch.Result[Customer] {
	return batch.Run(ctx, items, c.options(), c.customers.send)
}

// SaveCustomersSeq is SaveCustomers over a stream: it holds only a few
// chunks in memory and yields the results in input order as they complete.
// Breaking out of the loop stops sending.
func (c *Client) SaveCustomersSeq(ctx context.Context, items iter.Seq[CustomerInput]) iter.Seq[batch.Result[Customer]] {
	return batch.Stream(ctx, items, -1, c.options(), c.customers.send)
}

// SaveInvoices saves invoices in batches (POST /v6/invoicing/invoices) with
// the same per-item results and retry rules as SaveCustomers.
func (c *Client) SaveInvoices(ctx context.Context, items []InvoiceInput) []batch.Result[Invoice] {
	return batch.Run(ctx, items, c.options(), c.invoices.send)
}

// SaveInvoicesSeq is SaveInvoices over a stream, in bounded memory.
func (c *Client) SaveInvoicesSeq(ctx context.Context, items iter.Seq[InvoiceInput]) iter.Seq[batch.Result[Invoice]] {
	return batch.Stream(ctx, items, -1, c.options(), c.invoices.send)
}

// initSavers wires the two entity kinds to the generated client and to
// validators of their request schemas.
func (c *Client) initSavers() error {
	v, err := loadValidators()
	if err != nil {
		return err
	}
	cv, iv := v[0], v[1]
	c.customers = &saver[CustomerInput, Customer]{
		c: c, op: "saveCustomers", validator: cv,
		inputID:  func(in CustomerInput) *string { return in.Id },
		outputID: func(out Customer) string { return out.Id },
		post: func(ctx context.Context, items []CustomerInput) (*http.Response, error) {
			return c.API.SaveCustomers(ctx, tightapi.SaveCustomersRequest{Data: items})
		},
		decode: decodeCustomers,
	}
	c.invoices = &saver[InvoiceInput, Invoice]{
		c: c, op: "saveInvoices", validator: iv,
		inputID:  func(in InvoiceInput) *string { return in.Id },
		outputID: func(out Invoice) string { return out.Id },
		post: func(ctx context.Context, items []InvoiceInput) (*http.Response, error) {
			return c.API.SaveInvoices(ctx, tightapi.SaveInvoicesRequest{Data: items})
		},
		decode: decodeInvoices,
	}
	return nil
}

// loadValidators parses the embedded spec once per process.
var loadValidators = facade.SpecValidators(provider, tightapi.GetSpec, "CustomerInput", "InvoiceInput")
