package meteroid

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Update is one partial update: the customer, by id (cus_…) or alias, and
// the fields to set.
type Update struct {
	// IDOrAlias addresses the customer: its id (cus_…) or its alias.
	IDOrAlias string
	// Patch holds the fields to change; nil fields are left as they are.
	Patch CustomerPatch
}

// idPrefix starts every customer id; anything else is taken for an alias.
const idPrefix = "cus_"

// PatchCustomers applies updates, one PATCH per item with up to Concurrency
// in flight, and returns one result per update in input order. Invalid items
// (empty IDOrAlias, a patch that breaks the spec) fail locally with a
// *transport.ValidationError and are not sent; the others are sent anyway.
// A successful result carries the customer's id in ID, the customer after
// the update in Value and the HTTP status in Status; a failed one carries a
// *transport.APIError (Code "NOT_FOUND" for an unknown customer).
func (c *Client) PatchCustomers(ctx context.Context, updates []Update) []batch.Result[Customer] {
	return batch.Run(ctx, updates, c.batchOptions(), c.send)
}

// PatchCustomersSeq is PatchCustomers over a stream: updates are read as
// they are sent, so memory stays bounded whatever the input's length.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) PatchCustomersSeq(ctx context.Context, updates iter.Seq[Update]) iter.Seq[batch.Result[Customer]] {
	return batch.Stream(ctx, updates, -1, c.batchOptions(), c.send)
}

// PatchCustomer applies one partial update and returns the customer after
// it. Errors are as in PatchCustomers' results.
func (c *Client) PatchCustomer(ctx context.Context, idOrAlias string, patch CustomerPatch) (*Customer, error) {
	r := c.patchOne(ctx, 0, Update{IDOrAlias: idOrAlias, Patch: patch})
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

// GetCustomer reads one customer by id (cus_…) or alias. An unknown customer
// is a *transport.APIError with Code "NOT_FOUND" and StatusCode 404.
func (c *Client) GetCustomer(ctx context.Context, idOrAlias string) (*Customer, error) {
	if idOrAlias == "" {
		return nil, emptyID(0)
	}
	cust, _, err := c.get(ctx, idOrAlias)
	return cust, err
}

// send is the batch engine's SendFunc: chunks hold one item each, but a
// loop costs nothing and keeps the contract whatever the chunk size.
func (c *Client) send(ctx context.Context, chunk []batch.Item[Update]) []batch.Result[Customer] {
	out := make([]batch.Result[Customer], len(chunk))
	for i, it := range chunk {
		out[i] = c.patchOne(ctx, it.Index, it.Value)
	}
	return out
}

// patchOne validates and sends one update.
func (c *Client) patchOne(ctx context.Context, index int, u Update) batch.Result[Customer] {
	if u.IDOrAlias == "" {
		return batch.Result[Customer]{Err: emptyID(index)}
	}
	if err := c.validate.Check(index, u.Patch); err != nil {
		return batch.Result[Customer]{Err: err}
	}
	ctx, tr := transport.WithTrace(ctx)
	target := u.IDOrAlias
	if u.Patch.Alias != nil && *u.Patch.Alias != target && !strings.HasPrefix(target, idPrefix) {
		// The patch renames the alias that addresses the customer. A retry
		// after a first attempt that did act would address a name that no
		// longer exists and get a 404, so resolve the id first (a GET, safe
		// to repeat) and PATCH by id.
		cust, status, err := c.get(ctx, target)
		if err != nil {
			return c.failed(index, tr, status, err)
		}
		target = cust.Id
	}
	resp, err := c.API.PatchCustomer(ctx, target, u.Patch)
	cust, status, err := decodeCustomer(ctx, "patchCustomer", resp, err)
	if err != nil {
		return c.failed(index, tr, status, err)
	}
	return batch.Result[Customer]{ID: cust.Id, Value: *cust, Status: status, Attempts: tr.Attempts}
}

func (c *Client) get(ctx context.Context, idOrAlias string) (*Customer, int, error) {
	resp, err := c.API.GetCustomer(ctx, idOrAlias)
	return decodeCustomer(ctx, "getCustomer", resp, err)
}

func (c *Client) failed(index int, tr *transport.Trace, status int, err error) batch.Result[Customer] {
	c.logger().Debug("meteroid: item failed", "index", index, "status", status, "attempts", tr.Attempts, "error", err.Error())
	return batch.Result[Customer]{Err: err, Status: status, Attempts: tr.Attempts}
}

func emptyID(index int) error {
	return &transport.ValidationError{Index: index, Field: "id_or_alias", Reason: "must not be empty: give the customer's id (cus_…) or alias"}
}

// statusOK reports a 2xx status.
func statusOK(status int) bool { return status >= http.StatusOK && status < http.StatusMultipleChoices }
