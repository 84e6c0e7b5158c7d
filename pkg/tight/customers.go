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

// SaveCustomers saves customers in batches (POST /v6/customers) and returns
// one result per item, in input order: Index, ID (the saved customer's id),
// Value (the customer as Tight returned it), Status (the item's own
// statusCode), Attempts, or Err. Items with an Id update that customer and
// are retried freely; items without an Id create one and are never re-sent
// when Tight may have acted (their error then wraps
// billbridge.ErrOutcomeUnknown). See the package comment for the details.
func (c *Client) SaveCustomers(ctx context.Context, items []CustomerInput, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return batch.Run(c.e.Context(ctx, opts), items, c.e.BatchOptions(c.e.BatchSize), c.customers.send)
}

// SaveCustomersSeq is SaveCustomers over a stream: it holds only a few
// chunks in memory and yields the results in input order as they complete.
// Breaking out of the loop stops sending.
func (c *Client) SaveCustomersSeq(ctx context.Context, items iter.Seq[CustomerInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	return batch.Stream(c.e.Context(ctx, opts), items, -1, c.e.BatchOptions(c.e.BatchSize), c.customers.send)
}

// SaveCustomer saves one customer (an update when it carries an Id, else a
// create) and returns it as Tight stored it. Errors are as in
// SaveCustomers' results.
func (c *Client) SaveCustomer(ctx context.Context, item CustomerInput, opts ...option.RequestOption) (*Customer, error) {
	return single(c.SaveCustomers(ctx, []CustomerInput{item}, opts...))
}

func (c *Client) customerSaver(v *validate.Validator) *saver[CustomerInput, Customer] {
	return &saver[CustomerInput, Customer]{
		e: c.e, op: "saveCustomers", validator: v,
		inputID:  func(in CustomerInput) *string { return in.Id },
		outputID: func(out Customer) string { return out.Id },
		post: func(ctx context.Context, items []CustomerInput) (*http.Response, error) {
			return c.API.SaveCustomers(ctx, tightapi.SaveCustomersRequest{Data: items})
		},
		decode: decodeCustomers,
	}
}

// decodeCustomers reads a 200/207 answer of saveCustomers into the
// generated envelope and flattens its items.
func decodeCustomers(body []byte) ([]item[Customer], error) {
	var env tightapi.CustomerSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Customer], len(env.Data))
	for i, d := range env.Data {
		out[i] = newItem(d.Result, d.StatusCode, d.Data, d.Error)
	}
	return out, nil
}
