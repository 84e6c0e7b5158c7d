package chargeover

import (
	"context"
	"iter"
	"net/http"

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
	toSend := ws
	if len(ws) > 0 && c.e.Transport.RequestOf(ctx).ReadBackFirst {
		// Items whose earlier outcome is unknown (a resumed push): those
		// whose key holds their data exist already and are not sent again;
		// one that cannot be read back stays unknown rather than risk a
		// duplicate.
		toSend = nil
		for _, w := range ws {
			if w.key != "" {
				w.res.Err = c.e.Unknown(&billbridge.APIError{Provider: Provider, Operation: opGet,
					Message: "the earlier outcome is unknown and the customer could not be read back"}, nil)
				if c.settle(ctx, w); w.state == done {
					continue
				}
			}
			toSend = append(toSend, w)
		}
	}
	if len(toSend) > 0 {
		c.create(ctx, toSend, send)
	}
	for j, w := range ws {
		results[valid[j]] = w.res
	}
	return results
}

// GetCustomer reads the customer with this customer_id (GET
// /api/v3/customer/{customer_id}). A missing customer is a
// *billbridge.APIError with StatusCode 404 that matches
// errors.Is(err, billbridge.ErrNotFound); an id below 1 is a
// *billbridge.ValidationError and nothing is sent. Reads are retried on
// 429, 5xx and connection failures.
func (c *Client) GetCustomer(ctx context.Context, id int64, opts ...option.RequestOption) (*Customer, error) {
	if id < 1 {
		return nil, &billbridge.ValidationError{Field: "customer_id", Reason: "must be at least 1"}
	}
	cust, _, err := c.readCustomer(c.e.Context(ctx, opts), opGetByID, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetCustomer(ctx, id)
	})
	return cust, err
}

// ListCustomers walks every customer matching q (GET /api/v3/customer with
// where, order, offset and limit), one page request at a time, and yields
// each customer once. Every page request goes through the rate limiter and
// the retries; a page that still fails yields its error once and ends the
// iteration. Breaking out of the loop, or a cancelled context, stops it
// without another request. An invalid query (a field that is not a field
// name, an unknown operator, a PageSize above MaxPageSize) yields a
// *billbridge.ValidationError once and sends nothing.
//
// What the paging guarantees. ChargeOver pages by offset: page n is "skip
// n×size, take size" of the matching customers at the moment of that
// request, and the answer carries no cursor or total. The facade always
// sends an order, customer_id ascending by default (customer_id is also
// appended as the tie-breaker of any other order), and never yields a
// customer_id twice within one walk. Hence, with the default order:
//   - customers created during the walk get higher ids than every existing
//     one, so they land at the end: nothing that existed throughout is
//     skipped and nothing is repeated; the new ones may or may not be
//     yielded;
//   - a customer deleted during the walk, from a page already read, shifts
//     the later pages back by one: for each such deletion one customer that
//     existed throughout may be skipped (ChargeOver's offset paging cannot
//     avoid it; walk again, or filter with customer_id GreaterThan the last
//     id seen, to catch up).
//
// With another order, a created or updated customer that sorts before the
// current offset shifts the pages forward (a repeat, which the facade
// drops) and a deletion shifts them back (a possible skip); a customer
// whose sort field changes during the walk may be skipped or seen once in
// its new place. The facade remembers the ids it yielded (with the default
// order only the last one), so the memory of a walk in another order grows
// with the number of customers.
func (c *Client) ListCustomers(ctx context.Context, q CustomerQuery, opts ...option.RequestOption) iter.Seq2[Customer, error] {
	return c.listCustomers(c.e.Context(ctx, opts), q)
}

// UpdateCustomers updates customers through POST /api/v3/_bulk, one PUT
// /api/v3/customer/{id} sub-request per item, up to 25 per call, and
// returns one result per item in input order. Only the fields set in an
// item's Customer change. A result's Value is the customer_id and its ID
// the same number in decimal; its Status is the sub-request's own code
// (202 updated, 400 refused, 404 no such customer). Items that fail local
// validation (ID below 1, or Customer against the spec's CustomerUpdate
// schema) get a *billbridge.ValidationError and are not sent; the others
// still are. Updates are idempotent, so a _bulk call that fails as a whole
// (5xx, dropped connection) is retried, and items whose sub-request got
// 429 or 5xx are sent again in a later call (at most as many times as the
// retry policy allows); an item that still fails carries a
// *billbridge.APIError (a 404 matches billbridge.ErrNotFound).
func (c *Client) UpdateCustomers(ctx context.Context, updates []CustomerUpdate, opts ...option.RequestOption) []billbridge.Result[int64] {
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(c.e.BatchSize), c.bulkUpdate)
}

// UpdateCustomersSeq is UpdateCustomers over a stream: it holds only a few
// batches in memory at a time and yields the results in input order as
// they complete. Breaking out of the loop stops sending; the batches in
// flight are cancelled.
func (c *Client) UpdateCustomersSeq(ctx context.Context, updates iter.Seq[CustomerUpdate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(c.e.BatchSize), c.bulkUpdate)
}

// UpdateCustomer updates one customer through PUT
// /api/v3/customer/{customer_id} (202), with the validation and retries of
// UpdateCustomers; only the fields set in changes change. A missing
// customer matches errors.Is(err, billbridge.ErrNotFound); a refusal (an
// external_key another customer holds) is a *billbridge.APIError with
// StatusCode 400. For many updates, UpdateCustomers sends 25 per request.
func (c *Client) UpdateCustomer(ctx context.Context, id int64, changes CustomerChanges, opts ...option.RequestOption) error {
	if err := checkUpdate(0, CustomerUpdate{ID: id, Customer: changes}); err != nil {
		return err
	}
	return c.updateOne(c.e.Context(ctx, opts), id, changes)
}
