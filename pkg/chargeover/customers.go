package chargeover

import (
	"context"
	"iter"
	"slices"

	"github.com/billbridge/billbridge/pkg/batch"
)

// CreateCustomers creates customers through POST /api/v3/_bulk, up to 25 per
// call, and returns one result per item in input order. A result's Value
// is the new customer_id and its ID the same number in decimal; Existing is
// set when a lost answer was settled by reading the customer back by its
// external_key (see the package comment). Items that fail local validation
// against the spec get a *transport.ValidationError and are not sent; the
// others still are. Failed items carry a *transport.APIError whose Status is
// the sub-request's own code (400 for a refused item), or an error wrapping
// transport.ErrOutcomeUnknown for an item without external_key whose
// create may or may not have happened.
func (c *Client) CreateCustomers(ctx context.Context, customers []CustomerCreate) []batch.Result[int64] {
	out := make([]batch.Result[int64], 0, len(customers))
	for r := range c.stream(ctx, slices.Values(customers), len(customers)) {
		out = append(out, r)
	}
	return out
}

// CreateCustomersSeq is CreateCustomers over a stream: it holds only a few
// batches in memory at a time, whatever the stream's length, and yields the
// results in input order as they complete. Breaking out of the loop stops
// sending; the batches in flight are cancelled.
func (c *Client) CreateCustomersSeq(ctx context.Context, customers iter.Seq[CustomerCreate]) iter.Seq[batch.Result[int64]] {
	return c.stream(ctx, customers, -1)
}

func (c *Client) stream(ctx context.Context, seq iter.Seq[CustomerCreate], total int) iter.Seq[batch.Result[int64]] {
	opts := batch.Options{ChunkSize: c.batchSize, Concurrency: c.conc, OnProgress: c.onProgress}
	return batch.Stream(ctx, seq, total, opts, func(ctx context.Context, chunk []batch.Item[CustomerCreate]) []batch.Result[int64] {
		return c.run(ctx, chunk, c.sendBulk)
	})
}

// CreateCustomer creates one customer through POST /api/v3/customer, with
// the same validation, retry and external_key settling rules as
// CreateCustomers. Use it for single items; for many, CreateCustomers sends
// 25 per request.
func (c *Client) CreateCustomer(ctx context.Context, customer CustomerCreate) batch.Result[int64] {
	return c.run(ctx, []batch.Item[CustomerCreate]{{Value: customer}}, c.sendOne)[0]
}

// CustomerByExternalKey reads the customer with the given external_key
// (GET /api/v3/customer/external_key:{key}). A missing customer is a
// *transport.APIError with StatusCode 404 that matches errors.Is(err,
// ErrNotFound). Reads are retried on 429, 5xx and connection failures.
func (c *Client) CustomerByExternalKey(ctx context.Context, key string) (*Customer, error) {
	cust, _, err := c.getByKey(ctx, key)
	return cust, err
}

// run validates a chunk, sends its valid items with send and returns one
// result per item of chunk, in order.
func (c *Client) run(ctx context.Context, chunk []batch.Item[CustomerCreate], send sender) []batch.Result[int64] {
	results := make([]batch.Result[int64], len(chunk))
	ws := make([]*work, 0, len(chunk))
	valid := make([]int, 0, len(chunk))
	for i, it := range chunk {
		results[i].Index = it.Index
		if err := c.validator.Check(it.Index, it.Value); err != nil {
			results[i].Err = err
			continue
		}
		w := &work{item: it.Value, res: batch.Result[int64]{Index: it.Index}}
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
