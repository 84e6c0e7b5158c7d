package chargeover

import (
	"context"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
)

// CreateOne is CreateCustomer with its whole result (Existing, Attempts,
// Status), for the external tests.
func CreateOne(c *Client, ctx context.Context, cust CustomerCreate) billbridge.Result[int64] {
	return c.createWith(c.beginCreate(ctx, 1), c.sendOne)(ctx, []batch.Item[CustomerCreate]{{Value: cust}})[0]
}
