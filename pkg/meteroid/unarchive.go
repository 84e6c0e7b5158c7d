package meteroid

import (
	"context"
	"iter"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/pkg/option"
)

// UnarchiveCustomers restores archived customers by id (cus_…) or alias
// (POST /api/v1/customers/{id_or_alias}/unarchive), one request per item
// with up to Concurrency in flight, and returns one result per item in
// input order: Value is the id or alias as given, ID the id when the item
// is one, Status 204. Meteroid answers 204 also for a customer that is not
// archived, so unarchiving is idempotent: although it is a POST, every
// retryable failure (a lost answer and a 5xx included) is retried. An
// unknown customer's error wraps billbridge.ErrNotFound; an empty item
// fails with a *billbridge.ValidationError and is not sent.
func (c *Client) UnarchiveCustomers(ctx context.Context, idsOrAliases []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return batch.Run(c.e.Context(ctx, opts), idsOrAliases, c.e.BatchOptions(1), batch.Each(c.unarchiveOne))
}

// UnarchiveCustomersSeq is UnarchiveCustomers over a stream, in bounded
// memory. Results arrive in input order; breaking out of the loop cancels
// the requests in flight.
func (c *Client) UnarchiveCustomersSeq(ctx context.Context, idsOrAliases iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return batch.Stream(c.e.Context(ctx, opts), idsOrAliases, -1, c.e.BatchOptions(1), batch.Each(c.unarchiveOne))
}

// UnarchiveCustomer restores one customer by id (cus_…) or alias. Errors
// are as in UnarchiveCustomers' results.
func (c *Client) UnarchiveCustomer(ctx context.Context, idOrAlias string, opts ...option.RequestOption) error {
	return c.unarchiveOne(c.e.Context(ctx, opts), 0, idOrAlias).Err
}

// unarchiveOne sends one unarchive. The Call is not Unsafe: acting twice
// answers 204 again, so the transport retries it like a PUT.
func (c *Client) unarchiveOne(ctx context.Context, index int, idOrAlias string) billbridge.Result[string] {
	return c.byIDOrAlias(ctx, "unarchiveCustomer", index, idOrAlias, c.API.UnarchiveCustomer)
}
