package chargeover

import (
	"context"
	"iter"
	"net/http"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/pkg/option"
)

// CreateCustomers creates customers through POST /api/v3/_bulk, up to 25 per
// call, and returns one result per item in input order. A result's Value
// is the customer_id and its ID the same number in decimal. Items that fail
// local validation against the spec get a *billbridge.ValidationError and
// are not sent; the others still are.
//
// Items with an external_key are keyed writes (see option.WithMode): before
// sending, the call looks their keys up (walking the customer pages into an
// index when that takes fewer requests than _bulk GETs of 25 keys each),
// and
//   - no customer holds the key: it is created (Outcome Created, Status
//     201);
//   - a customer holds it with the item's data (every field the item sets,
//     compared as ChargeOver stores it, writeOnly fields of the spec
//     skipped): Outcome Unchanged, Existing set, nothing sent;
//   - a customer holds it with other data: in ModeCreate (the default) an
//     error wrapping billbridge.ErrConflict naming the customer and the
//     first differing field (Outcome Conflict, Changes all of them); in
//     ModeUpsert a PUT of the item's fields (Outcome Updated); ModePlan
//     sends nothing and says what an upsert would do.
//
// Two items of one call with the same external_key: the later one fails
// with a *billbridge.ValidationError naming the earlier, and is not sent.
// A create whose outcome is unknown (5xx, a lost answer), or that is
// refused with 400 (perhaps: the key is in use), is settled by reading its
// key back, as above; absent after a lost answer, it is sent again. An item
// without an external_key whose create may or may not have happened fails
// with an error wrapping billbridge.ErrOutcomeUnknown.
func (c *Client) CreateCustomers(ctx context.Context, customers []CustomerCreate, opts ...option.RequestOption) []billbridge.Result[int64] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginCreate(ctx, len(customers))
	for range kc.Unique(slices.Values(customers)) {
	}
	return batch.Run(ctx, customers, c.e.BatchOptions(c.e.BatchSize), c.createWith(kc, c.sendBulk))
}

// CreateCustomersSeq is CreateCustomers over a stream: it holds only a few
// batches in memory at a time (and about 40 bytes per external_key seen),
// whatever the stream's length, and yields the results in input order as
// they complete. Breaking out of the loop stops sending; the batches in
// flight are cancelled. Give option.WithExpectedItems when the length is
// known.
func (c *Client) CreateCustomersSeq(ctx context.Context, customers iter.Seq[CustomerCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginCreate(ctx, 0)
	return batch.Stream(ctx, kc.Unique(customers), -1, c.e.BatchOptions(c.e.BatchSize), c.createWith(kc, c.sendBulk))
}

// CreateCustomer creates one customer through POST /api/v3/customer, with
// the same validation, retry and external_key rules as CreateCustomers,
// and returns its customer_id. Use it for single items; for many,
// CreateCustomers sends 25 per request.
func (c *Client) CreateCustomer(ctx context.Context, customer CustomerCreate, opts ...option.RequestOption) (int64, error) {
	ctx = c.e.Context(ctx, opts)
	r := c.createWith(c.beginCreate(ctx, 1), c.sendOne)(ctx, []batch.Item[CustomerCreate]{{Value: customer}})[0]
	return r.Value, r.Err
}

// createWith is the batch engine's SendFunc of a create call: it validates
// a chunk and writes its valid items through kc, sending creates with send.
func (c *Client) createWith(kc *createCall, send func(context.Context, []CustomerCreate, []billbridge.Result[int64])) batch.SendFunc[CustomerCreate, int64] {
	return func(ctx context.Context, chunk []batch.Item[CustomerCreate]) []billbridge.Result[int64] {
		results := make([]billbridge.Result[int64], len(chunk))
		var idx, valid []int
		var items []CustomerCreate
		for i, it := range chunk {
			results[i].Index = it.Index
			if err := check(it.Index, it.Value); err != nil {
				results[i].Err = err
				continue
			}
			idx, valid, items = append(idx, it.Index), append(valid, i), append(items, it.Value)
		}
		if len(items) > 0 {
			res := make([]billbridge.Result[int64], len(items))
			kc.WriteWith(ctx, idx, items, res, send)
			for j, i := range valid {
				res[j].Index = results[i].Index
				results[i] = res[j]
			}
		}
		return results
	}
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
