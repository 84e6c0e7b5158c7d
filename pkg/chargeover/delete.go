package chargeover

import (
	"context"
	"iter"
	"net/http"
	"strconv"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

const opDelete = "deleteCustomer"

// DeleteCustomers deletes customers by customer_id (DELETE
// /api/v3/customer/{customer_id}, one request per id, up to the client's
// concurrency in flight: ChargeOver's _bulk takes no DELETE sub-requests)
// and returns one result per id, in input order: Value is the customer_id,
// ID the same number in decimal, Status the answer's status. An id below 1
// gets a *billbridge.ValidationError and is not sent. A DELETE is
// idempotent by method, so it is retried after any retryable failure. An
// id that names no customer fails with an error wrapping
// billbridge.ErrNotFound. A retry answered 404 after an earlier attempt
// that may have deleted the customer but lost the answer (a dropped
// connection, a 5xx, a cut body) is a success with AlreadyGone set: the
// customer is gone either way. A deleted customer's external_key stays
// used: ChargeOver never gives a key out again.
func (c *Client) DeleteCustomers(ctx context.Context, ids []int64, opts ...option.RequestOption) []billbridge.Result[int64] {
	return batch.Run(c.e.Context(ctx, opts), ids, c.e.BatchOptions(1), batch.Each(c.deleteOne))
}

// DeleteCustomersSeq is DeleteCustomers over a stream, in bounded memory:
// results come in input order as they complete; breaking out of the loop
// stops sending.
func (c *Client) DeleteCustomersSeq(ctx context.Context, ids iter.Seq[int64], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	return batch.Stream(c.e.Context(ctx, opts), ids, -1, c.e.BatchOptions(1), batch.Each(c.deleteOne))
}

// DeleteCustomer deletes one customer; errors are as in DeleteCustomers (a
// missing customer matches errors.Is(err, billbridge.ErrNotFound)).
func (c *Client) DeleteCustomer(ctx context.Context, id int64, opts ...option.RequestOption) error {
	return c.DeleteCustomers(ctx, []int64{id}, opts...)[0].Err
}

// deleteOne sends one DELETE through the engine as a Call.Delete, so that a
// 404 to a retry after an attempt that may have acted is a success
// (Answer.Gone).
func (c *Client) deleteOne(ctx context.Context, index int, id int64) billbridge.Result[int64] {
	if id < 1 {
		return billbridge.Result[int64]{Err: &billbridge.ValidationError{Index: index, Field: "customer_id", Reason: "must be at least 1"}}
	}
	call := engine.Call{Op: opDelete, Delete: true, Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.DeleteCustomer(ctx, id)
	}}
	ans, err := c.e.Call(ctx, call)
	r := billbridge.Result[int64]{Status: ans.Status, Attempts: ans.Attempts}
	if err != nil {
		r.Err = err
		return r
	}
	r.Value, r.ID, r.AlreadyGone = id, strconv.FormatInt(id, 10), ans.Gone
	return r
}
