package chargeover

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/engine"
)

// listCustomers checks q and walks its pages (see ListCustomers).
// customerPages reads the pages of GET /api/v3/customer with params, size
// customers each, by offset.
func (c *Client) customerPages(params chargeoverapi.ListCustomersParams, size int) engine.FetchPage[Customer, int64] {
	return func(ctx context.Context, offset int64) (engine.Page[Customer, int64], error) {
		p := params
		p.Offset = &offset
		call := engine.Call{Op: opList, Send: func(ctx context.Context) (*http.Response, error) { return c.API.ListCustomers(ctx, &p) }}
		ans, err := c.e.Call(ctx, call)
		if err != nil {
			return engine.Page[Customer, int64]{}, err
		}
		var env chargeoverapi.CustomerListResponse
		if err := json.Unmarshal(ans.Body, &env); err != nil || ans.Status != http.StatusOK || env.Response == nil {
			if err == nil {
				err = fmt.Errorf("unexpected HTTP %d or no customer list", ans.Status)
			}
			return engine.Page[Customer, int64]{}, c.e.Undecodable(call, ans, err)
		}
		n := len(env.Response)
		return engine.Page[Customer, int64]{Items: env.Response, Next: offset + int64(n), Last: n < size}, nil
	}
}

func (c *Client) listCustomers(ctx context.Context, q CustomerQuery) iter.Seq2[Customer, error] {
	size := q.PageSize
	where, err := q.where()
	order, monotonic := "", false
	if err == nil {
		order, monotonic, err = q.order()
	}
	switch {
	case err != nil:
	case size < 0 || size > MaxPageSize:
		err = &billbridge.ValidationError{Field: "page_size", Reason: fmt.Sprintf("must be between 1 and %d (0: %d)", MaxPageSize, DefaultPageSize)}
	case size == 0:
		size = DefaultPageSize
	}
	if err != nil {
		return engine.Fail[Customer](err)
	}
	params := chargeoverapi.ListCustomersParams{Order: &order}
	if where != "" {
		params.Where = &where
	}
	limit := int32(size)
	params.Limit = &limit
	fetch := c.customerPages(params, size)
	pages := engine.Pages(ctx, 0, fetch)
	return func(yield func(Customer, error) bool) {
		// Offset paging may hand a customer out twice (see ListCustomers):
		// with customer_id ascending an id not above the last one is a
		// repeat; in any other order the ids seen are remembered.
		var last int64
		seen := map[int64]struct{}{}
		for cust, err := range pages {
			if err != nil {
				yield(Customer{}, err)
				return
			}
			id, perr := cust.CustomerId.Int64()
			if perr != nil {
				yield(Customer{}, &billbridge.APIError{Provider: Provider, Operation: opList, StatusCode: http.StatusOK,
					Message: fmt.Sprintf("cannot read the answer: customer_id %q is not an integer", cust.CustomerId), Err: perr})
				return
			}
			if monotonic {
				if id <= last {
					continue
				}
				last = id
			} else {
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
			}
			if !yield(cust, nil) {
				return
			}
		}
	}
}
