package tight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
)

// Page sizes of ListCustomers and ListInvoices (the query's PageSize).
const (
	// DefaultPageSize is the page size when PageSize is 0. Tight documents
	// no default; 100 entities keep a page around 100 KB, and the request
	// budget (1000 requests per 5 minutes) then reads about 100,000
	// entities per 5 minutes.
	DefaultPageSize = 100
	// MaxPageSize is the largest page Tight takes: the query pages give
	// limit only as an int32, other Tight query pages document
	// limit <= 250, and the spec applies that range.
	MaxPageSize = 250
)

// The sort fields (OrderBy) the documents show, and the directions.
const (
	// OrderByName sorts by name (the documents' example).
	OrderByName = "NAME"
	// OrderByCreatedDateTime sorts by creation; not in Tight's documents
	// (the fake knows it).
	OrderByCreatedDateTime = "CREATED_DATE_TIME"
	// Ascending and Descending are the sort directions.
	Ascending  = tightapi.ASC
	Descending = tightapi.DESC
)

// Equal is a string filter matching the value exactly.
func Equal(v string) *StringFilter { return &StringFilter{Equal: &v} }

// Contain is a string filter matching values that contain v.
func Contain(v string) *StringFilter { return &StringFilter{Contain: &v} }

// StatusIn is a status filter matching any of the statuses.
func StatusIn(statuses ...string) *StatusFilter { return &StatusFilter{In: &statuses} }

// InvoiceStatusIn is an invoice-status filter matching any of the states.
func InvoiceStatusIn(states ...string) *InvoiceStatusFilter { return &InvoiceStatusFilter{In: &states} }

// pageSize checks a query's PageSize and returns the limit to send.
func pageSize(n int) (int32, error) {
	switch {
	case n == 0:
		return DefaultPageSize, nil
	case n < 0 || n > MaxPageSize:
		return 0, &billbridge.ValidationError{Field: "page_size",
			Reason: fmt.Sprintf("page size %d: must be between 1 and %d (Tight's query limit)", n, MaxPageSize)}
	}
	return int32(n), nil
}

// walk is the page walk of both queries: engine.Pages over Tight's cursor,
// with every page request through engine.Call (rate limit, retries), and
// entities deduplicated by id within the walk (see ListCustomers).
func walk[T any](ctx context.Context, e *engine.Engine, op string, size int, id func(T) string,
	post func(ctx context.Context, cursor *string, limit int32) (*http.Response, error),
	decode func(body []byte) (tightapi.EnvelopeResult, []T, *tightapi.QueryCursor, *[]Error, error)) iter.Seq2[T, error] {
	limit, err := pageSize(size)
	if err != nil {
		return engine.Fail[T](err)
	}
	return engine.Distinct(engine.Pages(ctx, nil, queryPages(e, op, limit, post, decode)), id)
}

// queryPages reads the pages of a query, limit entities each, following
// Tight's cursor.
func queryPages[T any](e *engine.Engine, op string, limit int32,
	post func(ctx context.Context, cursor *string, limit int32) (*http.Response, error),
	decode func(body []byte) (tightapi.EnvelopeResult, []T, *tightapi.QueryCursor, *[]Error, error)) engine.FetchPage[T, *string] {
	return func(ctx context.Context, cursor *string) (engine.Page[T, *string], error) {
		call := engine.Call{Op: op, Send: func(ctx context.Context) (*http.Response, error) { return post(ctx, cursor, limit) }}
		ans, err := e.Call(ctx, call)
		if err != nil {
			return engine.Page[T, *string]{}, err
		}
		result, items, next, errs, err := decode(ans.Body)
		if err != nil {
			return engine.Page[T, *string]{}, e.Undecodable(call, ans, err)
		}
		if result == tightapi.FAILURE {
			var list []Error
			if errs != nil {
				list = *errs
			}
			code, msg, param := firstError(list)
			return engine.Page[T, *string]{}, e.Refused(op, ans.Status, code, "query failed: "+msg, param)
		}
		p := engine.Page[T, *string]{Items: items, Last: next == nil || next.After == nil || *next.After == ""}
		if !p.Last {
			if cursor != nil && *next.After == *cursor {
				// A cursor that does not move would repeat this page forever.
				return p, e.Undecodable(call, ans, errors.New("the answer's cursor.after is the cursor sent: paging does not advance"))
			}
			p.Next = next.After
		}
		return p, nil
	}
}

// readOne decodes a {result, data} answer of one entity.
func readOne[T any](e *engine.Engine, call engine.Call, ans *engine.Answer, data func([]byte) (*T, error)) (*T, error) {
	v, err := data(ans.Body)
	if err == nil && v == nil {
		err = errors.New("the answer holds no data")
	}
	if err != nil {
		return nil, e.Undecodable(call, ans, err)
	}
	return v, nil
}

// fanOut streams one request per item through batch.Stream with chunks of
// one, bounded by the client's concurrency: Tight has no batch delete or
// send. Results come in input order.
func fanOut[In, Out any](ctx context.Context, c *Client, items iter.Seq[In],
	one func(ctx context.Context, index int, in In) billbridge.Result[Out]) iter.Seq[billbridge.Result[Out]] {
	return batch.Stream(ctx, items, -1, c.e.BatchOptions(1), batch.Each(one))
}

// deleteOne is one DELETE of an entity by id. A DELETE is idempotent by
// method, so the engine retries it after any retryable failure; when an
// earlier attempt may have taken effect and its answer was lost, a 404 to
// the retry is a success marked AlreadyGone (engine.Call.Delete): the entity
// is gone either way.
func deleteOne(ctx context.Context, e *engine.Engine, op string, index int, id string,
	del func(ctx context.Context, id string) (*http.Response, error)) billbridge.Result[string] {
	if id == "" {
		return billbridge.Result[string]{Err: &billbridge.ValidationError{Index: index, Field: "id", Reason: "empty id"}}
	}
	call := engine.Call{Op: op, Delete: true, Send: func(ctx context.Context) (*http.Response, error) { return del(ctx, id) }}
	ans, err := e.Call(ctx, call)
	r := billbridge.Result[string]{Status: ans.Status, Attempts: ans.Attempts}
	if err != nil {
		r.Err = err
		return r
	}
	r.ID, r.Value, r.AlreadyGone = id, id, ans.Gone
	return r
}

// collect is fanOut over a slice: every item gets its result, also the
// ones not sent when ctx ended (they wrap billbridge.ErrNotSent).
func collect[In, Out any](ctx context.Context, c *Client, items []In,
	one func(ctx context.Context, index int, in In) billbridge.Result[Out]) []billbridge.Result[Out] {
	return batch.Run(ctx, items, c.e.BatchOptions(1), batch.Each(one))
}

// unmarshal decodes JSON into a new T.
func unmarshal[T any](body []byte) (T, error) {
	var v T
	err := json.Unmarshal(body, &v)
	return v, err
}
