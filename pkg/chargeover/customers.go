package chargeover

import (
	"context"
	"iter"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/pkg/option"
)

// CreateCustomers creates customers through POST /api/v3/_bulk, up to 25 per
// call, and returns one result per item in input order. A result's Value
// is the new customer_id and its ID the same number in decimal; Existing is
// set when a lost answer was settled by reading the customer back by its
// external_key (see the package comment). Items that fail local validation
// against the spec get a *billbridge.ValidationError and are not sent; the
// others still are. Failed items carry a *billbridge.APIError whose
// StatusCode is the sub-request's own code (400 for a refused item), or
// that wraps billbridge.ErrOutcomeUnknown for an item without external_key
// whose create may or may not have happened.
func (c *Client) CreateCustomers(ctx context.Context, customers []CustomerCreate, opts ...option.RequestOption) []billbridge.Result[int64] {
	return batch.Run(c.e.Context(ctx, opts), customers, c.e.BatchOptions(c.e.BatchSize), c.bulkSend)
}

// CreateCustomersSeq is CreateCustomers over a stream: it holds only a few
// batches in memory at a time, whatever the stream's length, and yields the
// results in input order as they complete. Breaking out of the loop stops
// sending; the batches in flight are cancelled.
func (c *Client) CreateCustomersSeq(ctx context.Context, customers iter.Seq[CustomerCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	return batch.Stream(c.e.Context(ctx, opts), customers, -1, c.e.BatchOptions(c.e.BatchSize), c.bulkSend)
}

// CreateCustomer creates one customer through POST /api/v3/customer, with
// the same validation, retry and external_key settling rules as
// CreateCustomers, and returns its customer_id. Use it for single items;
// for many, CreateCustomers sends 25 per request.
func (c *Client) CreateCustomer(ctx context.Context, customer CustomerCreate, opts ...option.RequestOption) (int64, error) {
	r := c.run(c.e.Context(ctx, opts), []batch.Item[CustomerCreate]{{Value: customer}}, c.sendOne)[0]
	return r.Value, r.Err
}

// GetCustomerByExternalKey reads the customer with the given external_key
// (GET /api/v3/customer/external_key:{key}). A missing customer is a
// *billbridge.APIError with StatusCode 404 that matches
// errors.Is(err, billbridge.ErrNotFound). Reads are retried on 429, 5xx and
// connection failures.
func (c *Client) GetCustomerByExternalKey(ctx context.Context, key string, opts ...option.RequestOption) (*Customer, error) {
	cust, _, err := c.getByKey(c.e.Context(ctx, opts), key)
	return cust, err
}

// bulkSend is the batch engine's SendFunc for CreateCustomers.
func (c *Client) bulkSend(ctx context.Context, chunk []batch.Item[CustomerCreate]) []billbridge.Result[int64] {
	return c.run(ctx, chunk, c.sendBulk)
}

// run validates a chunk, sends its valid items with send and returns one
// result per item of chunk, in order.
func (c *Client) run(ctx context.Context, chunk []batch.Item[CustomerCreate], send sender) []billbridge.Result[int64] {
	results := make([]billbridge.Result[int64], len(chunk))
	ws := make([]*work, 0, len(chunk))
	valid := make([]int, 0, len(chunk))
	for i, it := range chunk {
		results[i].Index = it.Index
		if err := check(it.Index, it.Value); err != nil {
			results[i].Err = err
			continue
		}
		w := &work{item: it.Value, res: billbridge.Result[int64]{Index: it.Index}}
		if it.Value.ExternalKey != nil {
			w.key = *it.Value.ExternalKey
		}
		ws = append(ws, w)
		valid = append(valid, i)
	}
	if len(ws) > 0 {
		c.create(ctx, ws, send)
	}
	for j, w := range ws {
		results[valid[j]] = w.res
	}
	return results
}
