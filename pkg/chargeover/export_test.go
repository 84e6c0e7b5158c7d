package chargeover

import (
	"context"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
)

// CreateOne is CreateCustomer with its whole result (Existing, Attempts,
// Status), for the external tests.
func CreateOne(c *Client, ctx context.Context, cust CustomerCreate) billbridge.Result[int64] {
	return c.run(ctx, []batch.Item[CustomerCreate]{{Value: cust}}, c.sendOne)[0]
}
