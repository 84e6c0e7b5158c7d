package meteroid

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
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
// *billbridge.ValidationError and are not sent; the others are sent anyway.
// A successful result carries the customer's id in ID, the customer after
// the update in Value and the HTTP status in Status; a failed one carries a
// *billbridge.APIError (an unknown customer wraps billbridge.ErrNotFound).
func (c *Client) PatchCustomers(ctx context.Context, updates []Update, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(1), c.send)
}

// PatchCustomersSeq is PatchCustomers over a stream: updates are read as
// they are sent, so memory stays bounded whatever the input's length.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) PatchCustomersSeq(ctx context.Context, updates iter.Seq[Update], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	// ChunkSize 1: no batch endpoint, so one item is one request.
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(1), c.send)
}

// PatchCustomer applies one partial update and returns the customer after
// it. Errors are as in PatchCustomers' results.
func (c *Client) PatchCustomer(ctx context.Context, idOrAlias string, patch CustomerPatch, opts ...option.RequestOption) (*Customer, error) {
	r := c.patchOne(c.e.Context(ctx, opts), 0, Update{IDOrAlias: idOrAlias, Patch: patch})
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

// GetCustomer reads one customer by id (cus_…) or alias. An unknown customer
// is a *billbridge.APIError with Code "NOT_FOUND" and StatusCode 404 that
// matches errors.Is(err, billbridge.ErrNotFound).
func (c *Client) GetCustomer(ctx context.Context, idOrAlias string, opts ...option.RequestOption) (*Customer, error) {
	if idOrAlias == "" {
		return nil, emptyID(0)
	}
	cust, _, err := c.get(c.e.Context(ctx, opts), idOrAlias)
	return cust, err
}

// send is the batch engine's SendFunc: chunks hold one item each, but a
// loop costs nothing and keeps the contract whatever the chunk size.
func (c *Client) send(ctx context.Context, chunk []batch.Item[Update]) []billbridge.Result[Customer] {
	out := make([]billbridge.Result[Customer], len(chunk))
	for i, it := range chunk {
		out[i] = c.patchOne(ctx, it.Index, it.Value)
	}
	return out
}

// patchOne validates and sends one update.
func (c *Client) patchOne(ctx context.Context, index int, u Update) billbridge.Result[Customer] {
	if err := checkUpdate(index, u); err != nil {
		return billbridge.Result[Customer]{Err: err}
	}
	target := u.IDOrAlias
	attempts := 0
	if u.Patch.Alias != nil && *u.Patch.Alias != target && !strings.HasPrefix(target, idPrefix) {
		// The patch renames the alias that addresses the customer. A retry
		// after a first attempt that did act would address a name that no
		// longer exists and get a 404, so resolve the id first (a GET, safe
		// to repeat) and PATCH by id.
		cust, ans, err := c.get(ctx, target)
		attempts += ans.Attempts
		if err != nil {
			return c.failed(index, ans.Status, attempts, err)
		}
		target = cust.Id
	}
	cust, ans, err := c.customerCall(ctx, engine.Call{Op: "patchCustomer", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.PatchCustomer(ctx, target, u.Patch)
	}})
	attempts += ans.Attempts
	if err != nil {
		return c.failed(index, ans.Status, attempts, err)
	}
	return billbridge.Result[Customer]{ID: cust.Id, Value: *cust, Status: ans.Status, Attempts: attempts}
}

func (c *Client) get(ctx context.Context, idOrAlias string) (*Customer, *engine.Answer, error) {
	return c.customerCall(ctx, engine.Call{Op: "getCustomer", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.GetCustomer(ctx, idOrAlias)
	}})
}

// customerCall sends a call whose answer is a customer and decodes it.
func (c *Client) customerCall(ctx context.Context, call engine.Call) (*Customer, *engine.Answer, error) {
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return nil, ans, err
	}
	cust, err := decodeCustomerBody(ans.Body)
	if err != nil {
		// Meteroid acted (2xx) but its answer is unreadable: for a GET or a
		// PATCH a retry is harmless, which the error says.
		return nil, ans, c.e.Undecodable(call, ans, err)
	}
	return cust, ans, nil
}

func (c *Client) failed(index, status, attempts int, err error) billbridge.Result[Customer] {
	c.e.Logger.Debug("meteroid: item failed", "index", index, "status", status, "attempts", attempts, "error", err.Error())
	return billbridge.Result[Customer]{Err: err, Status: status, Attempts: attempts}
}
