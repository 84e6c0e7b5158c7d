package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// CustomerUpdate is one item of PatchCustomers: the customer, by id (cus_…)
// or alias, and the fields to set. It is named like chargeover.CustomerUpdate,
// the item of that facade's UpdateCustomers; the fields differ because the
// providers address a customer differently (Meteroid by id or alias, a
// string; ChargeOver by a numeric customer_id).
type CustomerUpdate struct {
	// IDOrAlias addresses the customer: its id (cus_…) or its alias.
	IDOrAlias string
	// Patch holds the fields to change; nil fields are left as they are.
	Patch CustomerPatch
}

// Update is the former name of CustomerUpdate.
//
// Deprecated: use CustomerUpdate, the name every facade gives the item of its
// customer update call. Update is an alias: the two are the same type.
type Update = CustomerUpdate

// idPrefix starts every customer id; anything else is taken for an alias.
const idPrefix = "cus_"

// PatchCustomers applies updates, one PATCH per item with up to Concurrency
// in flight, and returns one result per update in input order. Invalid items
// (empty IDOrAlias, a patch that breaks the spec) fail locally with a
// *billbridge.ValidationError and are not sent; the others are sent anyway.
// A successful result carries the customer's id in ID, the customer after
// the update in Value and the HTTP status in Status; a failed one carries a
// *billbridge.APIError (an unknown customer wraps billbridge.ErrNotFound).
func (c *Client) PatchCustomers(ctx context.Context, updates []CustomerUpdate, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(1), batch.Each(c.patchOne))
}

// PatchCustomersSeq is PatchCustomers over a stream: updates are read as
// they are sent, so memory stays bounded whatever the input's length.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) PatchCustomersSeq(ctx context.Context, updates iter.Seq[CustomerUpdate], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	// ChunkSize 1: no batch endpoint, so one item is one request.
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(1), batch.Each(c.patchOne))
}

// PatchCustomer applies one partial update and returns the customer after
// it. Errors are as in PatchCustomers' results.
func (c *Client) PatchCustomer(ctx context.Context, idOrAlias string, patch CustomerPatch, opts ...option.RequestOption) (*Customer, error) {
	r := c.patchOne(c.e.Context(ctx, opts), 0, CustomerUpdate{IDOrAlias: idOrAlias, Patch: patch})
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

// patchOne validates and sends one update.
func (c *Client) patchOne(ctx context.Context, index int, u CustomerUpdate) billbridge.Result[Customer] {
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

// Page sizes of ListCustomers.
const (
	// MaxPageSize is the largest per_page Meteroid accepts.
	MaxPageSize = 100
	// DefaultPageSize is the per_page ListCustomers sends when the query
	// gives none: the maximum, so that a walk takes the fewest requests
	// (Meteroid's OpenAPI states no server default, so one is always sent).
	DefaultPageSize = MaxPageSize
)

// CustomerQuery selects the customers ListCustomers walks. The zero value
// lists every customer that is not archived.
//
// It has no order: ListCustomers always sends order_by=created_at.asc, the
// one order under which a page-number walk is not disturbed by creates (see
// ListCustomers).
type CustomerQuery struct {
	// Search keeps the customers whose name, alias or e-mail contains it
	// ("" does not filter). Whether the match ignores case is up to the
	// server (not documented).
	Search string
	// Archived selects by archive state: nil sends no parameter (the
	// server then lists the customers that are not archived, as the spec
	// reads the documents), false asks for those explicitly, true lists
	// only the archived customers.
	Archived *bool
	// PageSize is the per_page of each request: 0 for DefaultPageSize,
	// else 1 to MaxPageSize. Anything else makes the iterator yield one
	// *billbridge.ValidationError (Field "page_size") without a request.
	PageSize int
}

// ListCustomers walks every page of GET /api/v1/customers and yields each
// customer matching q once, oldest first: it sends order_by=created_at.asc
// explicitly (Meteroid's default is created_at.desc, newest first). Each
// page request goes through the client's rate limit and retries (a read, so
// every retryable failure is retried); a page that still fails yields its
// error once and ends the iteration. Breaking out of the loop, or a context
// that ends, stops the walk without another request; a cancelled context
// yields ctx.Err() once.
//
// What a walk guarantees: pages are numbered (page 0, 1, ...) over the
// listing ordered by creation time, ascending, and the walk stops after the
// page that pagination_meta.total_pages (read from each answer, so it
// follows the listing as it grows) names as the last, or at an empty page.
//   - Inserts: a customer created during the walk is newer than every
//     customer already there, so it lands at the end, after the position:
//     nothing already yielded moves, nothing is repeated and nothing that
//     existed throughout the walk is skipped. The new customer itself is
//     yielded when the walk reaches the end after it was created (not
//     guaranteed).
//   - Deletions: a customer archived during the walk before the current
//     position moves the later ones one place up, and the first customer
//     of the next page is then skipped; page-number paging cannot see that,
//     so a caller that archives (or unarchives) while walking must walk
//     again.
//   - Customers created in the same instant have no documented order among
//     themselves, so the server might order such a tie differently on two
//     page requests: the iterator remembers the ids it yielded in this walk
//     (a set in memory, about 50 bytes per customer) and never yields one
//     twice, which rules out repeats, not a skip inside a tie.
func (c *Client) ListCustomers(ctx context.Context, q CustomerQuery, opts ...option.RequestOption) iter.Seq2[Customer, error] {
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		return engine.Fail[Customer](&billbridge.ValidationError{Field: "page_size",
			Reason: fmt.Sprintf("%d: must be between 1 and %d (0 takes the default, %d)", q.PageSize, MaxPageSize, DefaultPageSize)})
	}
	perPage := int32(q.PageSize)
	if perPage == 0 {
		perPage = DefaultPageSize
	}
	ctx = c.e.Context(ctx, opts)
	fetch := c.customerPages(q, perPage)
	// Within a tie of created_at the server's order may differ between
	// requests: a customer yielded already may come again, and is dropped.
	return engine.Distinct(engine.Pages(ctx, 0, fetch), func(cust Customer) string { return cust.Id })
}

// walkOrder is the order_by of every listing request: oldest first, so that
// a customer created during a walk lands after the walk's position.
var walkOrder = "created_at.asc"

// customerPages reads the pages of GET /api/v1/customers for q, perPage
// customers each.
func (c *Client) customerPages(q CustomerQuery, perPage int32) engine.FetchPage[Customer, int32] {
	return func(ctx context.Context, page int32) (engine.Page[Customer, int32], error) {
		params := &meteroidapi.ListCustomersParams{OrderBy: &walkOrder, Page: &page, PerPage: &perPage, Archived: q.Archived}
		if q.Search != "" {
			params.Search = &q.Search
		}
		call := engine.Call{Op: "listCustomers", Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.ListCustomers(ctx, params)
		}}
		ans, err := c.e.Call(ctx, call)
		if err != nil {
			return engine.Page[Customer, int32]{}, err
		}
		list, err := decodeListBody(ans.Body)
		if err != nil {
			return engine.Page[Customer, int32]{}, c.e.Undecodable(call, ans, err)
		}
		return engine.Page[Customer, int32]{Items: list.Data, Next: page + 1,
			Last: page+1 >= list.PaginationMeta.TotalPages, Total: int(list.PaginationMeta.TotalItems)}, nil
	}
}

// decodeListBody decodes a page and checks that it is one: a data array of
// customers that carry their ids.
func decodeListBody(body []byte) (*CustomerList, error) {
	var raw struct {
		Data           *[]json.RawMessage `json:"data"`
		PaginationMeta *PaginationMeta    `json:"pagination_meta"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	if raw.Data == nil || raw.PaginationMeta == nil {
		return nil, errors.New("the page has no data or no pagination_meta")
	}
	list := &CustomerList{Data: make([]Customer, 0, len(*raw.Data)), PaginationMeta: *raw.PaginationMeta}
	for i, item := range *raw.Data {
		cust, err := decodeCustomerBody(item)
		if err != nil {
			return nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		list.Data = append(list.Data, *cust)
	}
	return list, nil
}

// ArchiveCustomers archives customers by id (cus_…) or alias, one DELETE
// per item with up to Concurrency in flight, and returns one result per
// item in input order: Value is the id or alias as given, ID the id when
// the item is one, Status 204. Archiving twice leaves the customer as
// archiving once, so every retryable failure is retried. An unknown
// customer's error wraps billbridge.ErrNotFound; an empty item fails with a
// *billbridge.ValidationError and is not sent. Meteroid refuses to archive
// a customer with active subscriptions (with a status its documents do not
// name): that item's error is the *billbridge.APIError of the answer.
func (c *Client) ArchiveCustomers(ctx context.Context, idsOrAliases []string, opts ...option.RequestOption) []billbridge.Result[string] {
	return batch.Run(c.e.Context(ctx, opts), idsOrAliases, c.e.BatchOptions(1), batch.Each(c.archiveOne))
}

// ArchiveCustomersSeq is ArchiveCustomers over a stream, in bounded memory.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) ArchiveCustomersSeq(ctx context.Context, idsOrAliases iter.Seq[string], opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return batch.Stream(c.e.Context(ctx, opts), idsOrAliases, -1, c.e.BatchOptions(1), batch.Each(c.archiveOne))
}

// ArchiveCustomer archives one customer by id (cus_…) or alias. Errors are
// as in ArchiveCustomers' results.
func (c *Client) ArchiveCustomer(ctx context.Context, idOrAlias string, opts ...option.RequestOption) error {
	return c.archiveOne(c.e.Context(ctx, opts), 0, idOrAlias).Err
}

func (c *Client) archiveOne(ctx context.Context, index int, idOrAlias string) billbridge.Result[string] {
	return c.byIDOrAlias(ctx, "archiveCustomer", index, idOrAlias, c.API.ArchiveCustomer)
}

// byIDOrAlias sends one request that names a customer and answers no body
// (archive, unarchive): Value is the id or alias as given, ID the id when
// the item is one. An empty item fails locally.
func (c *Client) byIDOrAlias(ctx context.Context, op string, index int, idOrAlias string,
	send func(ctx context.Context, idOrAlias string, reqEditors ...meteroidapi.RequestEditorFn) (*http.Response, error)) billbridge.Result[string] {
	if idOrAlias == "" {
		return billbridge.Result[string]{Err: emptyID(index)}
	}
	ans, err := c.e.Call(ctx, engine.Call{Op: op, Send: func(ctx context.Context) (*http.Response, error) {
		return send(ctx, idOrAlias)
	}})
	if err != nil {
		c.e.Logger.Debug("meteroid: item failed", "index", index, "status", ans.Status, "attempts", ans.Attempts, "error", err.Error())
		return billbridge.Result[string]{Err: err, Status: ans.Status, Attempts: ans.Attempts}
	}
	r := billbridge.Result[string]{Value: idOrAlias, Status: ans.Status, Attempts: ans.Attempts}
	if strings.HasPrefix(idOrAlias, idPrefix) {
		r.ID = idOrAlias
	}
	return r
}
