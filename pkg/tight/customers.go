package tight

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// SaveCustomers saves customers in batches (POST /v6/customers) and returns
// one result per item, in input order: Index, ID (the saved customer's id),
// Value (the customer as Tight returned it), Status (the item's own
// statusCode), Attempts, or Err. Items with an Id update that customer and
// are retried freely; items without an Id create one and are never re-sent
// when Tight may have acted (their error then wraps
// billbridge.ErrOutcomeUnknown). See the package comment for the details.
func (c *Client) SaveCustomers(ctx context.Context, items []CustomerInput, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return c.customers.runSlice(c.e.Context(ctx, opts), items)
}

// SaveCustomersSeq is SaveCustomers over a stream: it holds only a few
// chunks in memory and yields the results in input order as they complete.
// Breaking out of the loop stops sending.
func (c *Client) SaveCustomersSeq(ctx context.Context, items iter.Seq[CustomerInput], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	return c.customers.run(c.e.Context(ctx, opts), items, -1)
}

// SaveCustomer saves one customer (an update when it carries an Id, else a
// create) and returns it as Tight stored it. Errors are as in
// SaveCustomers' results.
func (c *Client) SaveCustomer(ctx context.Context, item CustomerInput, opts ...option.RequestOption) (*Customer, error) {
	return single(c.SaveCustomers(ctx, []CustomerInput{item}, opts...))
}

func (c *Client) customerSaver() *saver[CustomerInput, Customer] {
	return &saver[CustomerInput, Customer]{
		e: c.e, op: "saveCustomers", schema: schemaCustomer,
		inputID:  func(in CustomerInput) *string { return in.Id },
		outputID: func(out Customer) string { return out.Id },
		post: func(ctx context.Context, items []CustomerInput) (*http.Response, error) {
			return c.API.SaveCustomers(ctx, tightapi.SaveCustomersRequest{Data: items})
		},
		decode:  decodeCustomers,
		data:    func(in CustomerInput) *CustomData { return in.CustomData },
		setData: func(in CustomerInput, d *CustomData) CustomerInput { in.CustomData = d; return in },
		outData: func(out Customer) *CustomData { return out.CustomData },
		find: func(ctx context.Context, in CustomerInput) (iter.Seq2[Customer, error], *int) {
			q := CustomerQuery{PageSize: MaxPageSize}
			switch {
			case in.Name != nil && *in.Name != "":
				q.Name = Equal(*in.Name)
			case in.Email != nil && *in.Email != "":
				q.Email = Equal(*in.Email)
			default:
				return nil, nil
			}
			ctx, n := countAttempts(c.e, ctx)
			return c.ListCustomers(ctx, q), n
		},
		findBy: func(in CustomerInput) string {
			switch {
			case in.Name != nil && *in.Name != "":
				return "name:" + *in.Name
			case in.Email != nil && *in.Email != "":
				return "email:" + *in.Email
			}
			return ""
		},
		filter: func(ctx context.Context, field, value string) (iter.Seq2[Customer, error], *int) {
			q := CustomerQuery{PageSize: MaxPageSize}
			switch field {
			case "name":
				q.Name = Equal(value)
			case "email":
				q.Email = Equal(value)
			default:
				return nil, nil
			}
			ctx, n := countAttempts(c.e, ctx)
			return c.ListCustomers(ctx, q), n
		},
		pages: func() engine.PageFunc[Customer] {
			return engine.Walk((*string)(nil), queryPages(c.e, "queryCustomers", MaxPageSize, c.postCustomerQuery(tightapi.CustomerQueryRequest{}), decodeCustomerQuery))
		},
		withID: func(in CustomerInput, id string) CustomerInput { in.Id = &id; return in },
	}
}

// rules is how Tight stores what it is sent, for the comparison of a create
// with the customer or invoice its key finds: e-mail addresses without
// regard to case; the create key is billbridge's mark, not the item's data.
var rules = engine.Rules{
	Normalize: func(path string, v any) any {
		s, ok := v.(string)
		if lower := strings.ToLower(path); ok && (strings.HasSuffix(lower, "email") || strings.HasSuffix(lower, "emails")) {
			return strings.ToLower(s)
		}
		return v
	},
	Ignore: func(path string, _, _ any) bool { return path == createKeyPath },
}

// postCustomerQuery posts the query base with a cursor and a limit.
func (c *Client) postCustomerQuery(base tightapi.CustomerQueryRequest) func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
	return func(ctx context.Context, cursor *string, limit int32) (*http.Response, error) {
		body := base
		body.Cursor, body.Limit = cursor, &limit
		return c.API.QueryCustomers(ctx, body)
	}
}

// decodeCustomerQuery reads a page of queryCustomers.
func decodeCustomerQuery(b []byte) (tightapi.EnvelopeResult, []Customer, *tightapi.QueryCursor, *[]Error, error) {
	env, err := unmarshal[tightapi.CustomerQueryEnvelope](b)
	return env.Result, env.Data, env.Cursor, env.Error, err
}

// decodeCustomers reads a 200/207 answer of saveCustomers into the
// generated envelope and flattens its items.
func decodeCustomers(body []byte) ([]item[Customer], error) {
	var env tightapi.CustomerSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Customer], len(env.Data))
	for i, d := range env.Data {
		out[i] = newItem(d.Result, d.StatusCode, d.Data, d.Error)
	}
	return out, nil
}

// GetCustomer reads one customer (GET /v6/customers/{id}), with the read
// fields the saves do not return (ClassSegments, CreatedDateTime). An id
// that names no customer gets an error wrapping billbridge.ErrNotFound. The
// read is retried like any safe request.
func (c *Client) GetCustomer(ctx context.Context, id string, opts ...option.RequestOption) (*Customer, error) {
	if id == "" {
		return nil, &billbridge.ValidationError{Field: "id", Reason: "empty id"}
	}
	call := engine.Call{Op: "getCustomer", Send: func(ctx context.Context) (*http.Response, error) { return c.API.GetCustomer(ctx, id) }}
	ans, err := c.e.Call(c.e.Context(ctx, opts), call)
	if err != nil {
		return nil, err
	}
	return readOne(c.e, call, ans, func(b []byte) (*Customer, error) {
		env, err := unmarshal[tightapi.CustomerEnvelope](b)
		return env.Data, err
	})
}

// CustomerQuery selects the customers of ListCustomers. Every filter is
// optional and they combine with AND (Tight's query filter).
type CustomerQuery struct {
	// Name and Email filter on the customer's name and e-mail address with
	// Tight's string operators (Equal, Contain, GreaterThan, ...; see
	// the helpers Equal and Contain).
	Name, Email *StringFilter
	// Status filters on the record status (In, NotIn, Equal, ...; see
	// StatusIn), e.g. ACTIVE.
	Status *StatusFilter
	// ClassSegments keeps customers assigned to one of the segment ids
	// (with Expand, also to a segment below them).
	ClassSegments *ClassSegmentsFilter
	// OrderBy is the sort field (OrderByName; empty: Tight's default
	// order), Direction Ascending or Descending (empty: ascending).
	OrderBy   string
	Direction SortDirection
	// PageSize is the number of customers per page request: 0 takes
	// DefaultPageSize, at most MaxPageSize.
	PageSize int
}

// body is the query's request without cursor and limit.
func (q CustomerQuery) body() tightapi.CustomerQueryRequest {
	var r tightapi.CustomerQueryRequest
	if q.Name != nil || q.Email != nil || q.Status != nil || q.ClassSegments != nil {
		r.Filter = &tightapi.CustomerQueryFilter{Name: q.Name, Email: q.Email, Status: q.Status, ClassSegments: q.ClassSegments}
	}
	if q.OrderBy != "" || q.Direction != "" {
		r.Sort = &tightapi.CustomerSort{}
		if q.OrderBy != "" {
			r.Sort.OrderBy = &q.OrderBy
		}
		if q.Direction != "" {
			r.Sort.Direction = &q.Direction
		}
	}
	return r
}

// ListCustomers walks every customer matching q (POST /v6/customers/query),
// page after page, following Tight's cursor (cursor.after; null on the last
// page). Every page request goes through the rate limiter and is retried
// like any read (a query changes nothing). A page that still fails yields
// its error once and ends the iteration; a PageSize out of range yields a
// *billbridge.ValidationError (Field "page_size") and sends nothing.
// Breaking out of the loop, or a cancelled ctx, stops the walk without
// another request.
//
// What the paging guarantees: Tight's cursor is opaque and its documents do
// not say how it behaves when customers are created or deleted between
// pages. A cursor that marks the last customer seen (as the fake's does)
// neither repeats a customer nor skips one that existed through the whole
// walk; customers created during the walk may or may not appear. Because
// the documents do not promise that, the walk also drops any customer whose
// id it has already yielded, so nothing is yielded twice (this keeps one
// id per customer seen in memory, about 50 bytes each). A customer whose
// sort field changes during the walk may be missed or come at its new place.
func (c *Client) ListCustomers(ctx context.Context, q CustomerQuery, opts ...option.RequestOption) iter.Seq2[Customer, error] {
	return walk(c.e.Context(ctx, opts), c.e, "queryCustomers", q.PageSize, func(v Customer) string { return v.Id },
		c.postCustomerQuery(q.body()), decodeCustomerQuery)
}

// DeleteCustomers deletes customers by id (DELETE /v6/customers/{id}, one
// request per id, up to the client's concurrency in flight) and returns one
// result per id, in input order: ID and Value are the id, Status the
// answer's status. A DELETE is idempotent by method, so it is retried after
// any retryable failure. An id that names no customer fails with an error
// wrapping billbridge.ErrNotFound. A retry answered 404 after an earlier
// attempt that may have deleted the customer but lost the answer (a dropped
// connection, a 5xx) is a success with AlreadyGone set: the customer is
// gone either way.
func (c *Client) DeleteCustomers(ctx context.Context, ids []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return collect(c.e.Context(ctx, opts), c, ids, c.deleteCustomer)
}

// DeleteCustomersSeq is DeleteCustomers over a stream, in bounded memory.
func (c *Client) DeleteCustomersSeq(ctx context.Context, ids iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return fanOut(c.e.Context(ctx, opts), c, ids, c.deleteCustomer)
}

// DeleteCustomer deletes one customer; errors are as in DeleteCustomers.
func (c *Client) DeleteCustomer(ctx context.Context, id string, opts ...option.RequestOption) error {
	_, err := single(c.DeleteCustomers(ctx, []string{id}, opts...))
	return err
}

func (c *Client) deleteCustomer(ctx context.Context, index int, id string) billbridge.Result[string] {
	return deleteOne(ctx, c.e, "deleteCustomer", index, id, func(ctx context.Context, id string) (*http.Response, error) {
		return c.API.DeleteCustomer(ctx, id)
	})
}
