package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"net/http"
	"slices"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
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
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(1), batch.Each(c.patchOne))
}

// PatchCustomersSeq is PatchCustomers over a stream: updates are read as
// they are sent, so memory stays bounded whatever the input's length.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) PatchCustomersSeq(ctx context.Context, updates iter.Seq[Update], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	// ChunkSize 1: no batch endpoint, so one item is one request.
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(1), batch.Each(c.patchOne))
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
// Meteroid's list has no ordering parameter: its server lists by customer
// id, ascending, always, so CustomerQuery has no OrderBy.
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
// customer matching q once, in the server's order (by id, ascending). Each
// page request goes through the client's rate limit and retries (a read, so
// every retryable failure is retried); a page that still fails yields its
// error once and ends the iteration. Breaking out of the loop, or a context
// that ends, stops the walk without another request; a cancelled context
// yields ctx.Err() once.
//
// What Meteroid's paging guarantees, and what this adds: pages are numbered
// (page 0, 1, ...) over a listing ordered by id, and the walk stops after
// the page that pagination_meta.total_pages (read from each answer, so it
// follows the listing as it grows) names as the last, or at an empty page.
// A customer created during the walk with an id below the current position
// pushes the customers after it one place down, so the next page would
// repeat one already yielded: the iterator remembers the ids it yielded in
// this walk (a set in memory, about 50 bytes per customer) and never yields
// one twice. With creates only, nothing that existed throughout the walk is
// skipped (a create only moves customers to later places). A customer
// archived during the walk below the current position moves the later ones
// one place up, and one of them may then be skipped: page-number paging
// cannot see that, so a caller that archives while walking must walk
// again. Customers created during the walk may or may not be yielded.
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
	fetch := func(ctx context.Context, page int32) (engine.Page[Customer, int32], error) {
		params := &meteroidapi.ListCustomersParams{Page: &page, PerPage: &perPage, Archived: q.Archived}
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
			Last: page+1 >= list.PaginationMeta.TotalPages}, nil
	}
	// A create shifts customers onto a later page: one yielded already may
	// come again, and is dropped.
	return engine.Distinct(engine.Pages(ctx, 0, fetch), func(cust Customer) string { return cust.Id })
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

// maxCreateRounds bounds the sends of one create whose outcome stays
// unknown: each further send follows a read-back that found no customer.
const maxCreateRounds = 3

// CreateCustomers creates customers, one POST per item with up to
// Concurrency in flight (Meteroid has no batch endpoint), and returns one
// result per item in input order. Items that break the spec (a missing
// required field, an unknown currency) fail locally with a
// *billbridge.ValidationError and are not sent; nil InvoicingEmails and
// CustomTaxes are sent as empty lists. A created customer's result carries
// its new id in ID, the customer in Value and 201 in Status.
//
// A POST is not idempotent: it is repeated only when Meteroid surely did
// not act on it (429, or a connection that failed before the request was
// written). When it may have acted (no answer, a 5xx, an unreadable 2xx)
// the outcome is settled by reading the customer back by its alias (GET,
// safe to retry):
//
//   - found, holding the item's data: the result is a success with
//     Existing set (an earlier attempt created it), its id and the
//     customer as read;
//   - found, holding other data: an error wrapping billbridge.ErrConflict
//     that names the existing customer's id and the first field that
//     differs; never a success;
//   - not found: the item was not created and is sent again, up to
//     maxCreateRounds sends in all; a 409 on a later send (the earlier
//     attempt landed after all) is settled by reading back again.
//
// An item without an alias cannot be read back: its result keeps the error
// wrapping billbridge.ErrOutcomeUnknown, and sending it again could create
// a duplicate. So is an item whose read-back itself fails, or whose sends
// run out. A 409 CONFLICT answer means the alias is taken: the customer
// holding it is read back and compared as above, so a re-run of a push
// that created it ends as Existing, and another's customer as a conflict
// (an error wrapping billbridge.ErrConflict, also when no customer can be
// read under the alias).
//
// The comparison counts a field as the item's when the item sets it and the
// customer holds the same value; country codes compare without regard to
// case (the server upper-cases them) and a stored "00" (the server's
// unknown country) matches any; decimals compare by value; optional fields
// the item leaves unset are not compared.
func (c *Client) CreateCustomers(ctx context.Context, items []CustomerCreate, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return batch.Run(c.e.Context(ctx, opts), items, c.e.BatchOptions(1), batch.Each(c.createOne))
}

// CreateCustomersSeq is CreateCustomers over a stream: items are read as
// they are sent, so memory stays bounded whatever the input's length.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) CreateCustomersSeq(ctx context.Context, items iter.Seq[CustomerCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	return batch.Stream(c.e.Context(ctx, opts), items, -1, c.e.BatchOptions(1), batch.Each(c.createOne))
}

// CreateCustomer creates one customer and returns it, as CreateCustomers
// does for one item (a customer found by its alias holding the item's data
// is returned without an error; errors are as in CreateCustomers' results).
func (c *Client) CreateCustomer(ctx context.Context, item CustomerCreate, opts ...option.RequestOption) (*Customer, error) {
	r := c.createOne(c.e.Context(ctx, opts), 0, item)
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

// createOne validates, sends and, when needed, settles one create.
func (c *Client) createOne(ctx context.Context, index int, item CustomerCreate) billbridge.Result[Customer] {
	if item.InvoicingEmails == nil {
		item.InvoicingEmails = []string{}
	}
	if item.CustomTaxes == nil {
		item.CustomTaxes = []CustomTax{}
	}
	if err := checkCreate(index, item); err != nil {
		return billbridge.Result[Customer]{Err: err}
	}
	alias := ""
	if item.Alias != nil {
		alias = *item.Alias
	}
	attempts := 0
	if alias != "" && c.e.Transport.RequestOf(ctx).ReadBackFirst {
		// The item's earlier outcome is unknown (a resumed push): if its
		// alias holds it already, it is not sent again.
		found, gans, gerr := c.get(ctx, alias)
		attempts += gans.Attempts
		switch {
		case gerr == nil:
			if field := differs(item, found); field != "" {
				return c.failed(index, gans.Status, attempts, aliasConflict(alias, found, field, gans.Status))
			}
			return billbridge.Result[Customer]{ID: found.Id, Value: *found, Status: gans.Status, Attempts: attempts, Existing: true}
		case !errors.Is(gerr, billbridge.ErrNotFound):
			return c.failed(index, gans.Status, attempts, c.unknownCreate("the earlier outcome is unknown and reading back by alias failed: "+gerr.Error(), gerr))
		}
	}
	for round := 0; ; round++ {
		cust, ans, err := c.customerCall(ctx, engine.Call{Op: "createCustomer", Unsafe: true, Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.CreateCustomer(ctx, item)
		}})
		attempts += ans.Attempts
		if err == nil {
			return billbridge.Result[Customer]{ID: cust.Id, Value: *cust, Status: ans.Status, Attempts: attempts}
		}
		var ae *billbridge.APIError
		conflict := errors.As(err, &ae) && ans.Status == http.StatusConflict
		if conflict {
			ae.Err = billbridge.ErrConflict
		}
		switch {
		case round > 0 && errors.Is(err, billbridge.ErrNotSent):
			// This send surely did not act, but the first one may have.
			return c.failed(index, ans.Status, attempts, c.unknownCreate("an earlier send may have created the customer; the last was not sent", err))
		case !conflict && !errors.Is(err, billbridge.ErrOutcomeUnknown), alias == "":
			return c.failed(index, ans.Status, attempts, err)
		}
		found, gans, gerr := c.get(ctx, alias)
		attempts += gans.Attempts
		switch {
		case gerr == nil:
			if field := differs(item, found); field != "" {
				// Status: the answer that showed the conflict (the 409, or the read-back's).
				return c.failed(index, engine.ConflictStatus(ans.Status, gans.Status), attempts, aliasConflict(alias, found, field, engine.ConflictStatus(ans.Status, gans.Status)))
			}
			return billbridge.Result[Customer]{ID: found.Id, Value: *found, Status: gans.Status, Attempts: attempts, Existing: true}
		case errors.Is(gerr, billbridge.ErrNotFound) && conflict:
			// The alias is taken, yet no customer answers to it (an
			// archived one, say): the conflict stands.
			return c.failed(index, ans.Status, attempts, err)
		case errors.Is(gerr, billbridge.ErrNotFound) && round+1 < maxCreateRounds:
			continue // surely not created: send it again
		case errors.Is(gerr, billbridge.ErrNotFound):
			return c.failed(index, ans.Status, attempts, c.unknownCreate(fmt.Sprintf("%d sends, none known to have acted; the alias is still free", maxCreateRounds), err))
		default:
			return c.failed(index, ans.Status, attempts, c.unknownCreate("reading the customer back by its alias failed: "+gerr.Error(), err))
		}
	}
}

// aliasConflict is the error of an item whose alias holds another customer.
func aliasConflict(alias string, found *Customer, field string, status int) *billbridge.APIError {
	return &billbridge.APIError{Provider: Provider, Operation: "createCustomer", StatusCode: status, Param: field,
		Code: CodeConflict, Err: billbridge.ErrConflict,
		Message: fmt.Sprintf("alias %q is in use by customer %s, whose %s differs from the item's", alias, found.Id, field)}
}

// unknownCreate is an unknown outcome of a create, with why it stays so.
func (c *Client) unknownCreate(why string, last error) *billbridge.APIError {
	ae := &billbridge.APIError{Provider: Provider, Operation: "createCustomer", Message: why}
	var prev *billbridge.APIError
	if errors.As(last, &prev) {
		ae.StatusCode, ae.Code, ae.RequestID = prev.StatusCode, prev.Code, prev.RequestID
	}
	return c.e.Unknown(ae, nil)
}

// differs names the first field the item sets that the customer holds
// differently ("" when none), in the body's order of importance.
func differs(item CustomerCreate, got *Customer) string {
	switch {
	case item.Name != got.Name:
		return "name"
	case item.Alias != nil && (got.Alias == nil || *got.Alias != *item.Alias):
		return "alias"
	case item.Currency != got.Currency:
		return "currency"
	case !slices.Equal(item.InvoicingEmails, got.InvoicingEmails):
		return "invoicing_emails"
	}
	if len(item.CustomTaxes) != len(got.CustomTaxes) {
		return "custom_taxes"
	}
	for i, t := range item.CustomTaxes {
		g := got.CustomTaxes[i]
		if t.Name != g.Name || t.TaxCode != g.TaxCode || !sameDecimal(string(t.Rate), string(g.Rate)) {
			return fmt.Sprintf("custom_taxes/%d", i)
		}
	}
	for _, f := range []struct {
		name      string
		want, got *string
	}{
		{"billing_email", item.BillingEmail, got.BillingEmail},
		{"phone", item.Phone, got.Phone},
		{"vat_number", item.VatNumber, got.VatNumber},
		{"bank_account_id", item.BankAccountId, got.BankAccountId},
	} {
		if f.want != nil && (f.got == nil || *f.got != *f.want) {
			return f.name
		}
	}
	switch {
	case item.InvoicingEntityId != nil && *item.InvoicingEntityId != got.InvoicingEntityId:
		return "invoicing_entity_id"
	case item.IsTaxExempt != nil && got.IsTaxExempt != nil && *item.IsTaxExempt != *got.IsTaxExempt:
		return "is_tax_exempt" // absent in an answer means unknown, not false
	}
	if item.BillingAddress != nil {
		if f := addressDiffers(item.BillingAddress, got.BillingAddress); f != "" {
			return "billing_address/" + f
		}
	}
	if s := item.ShippingAddress; s != nil {
		g := got.ShippingAddress
		if g == nil || s.SameAsBilling != g.SameAsBilling {
			return "shipping_address/same_as_billing"
		}
		if s.Address != nil {
			if f := addressDiffers(s.Address, g.Address); f != "" {
				return "shipping_address/address/" + f
			}
		}
	}
	return ""
}

// addressDiffers names the first field of want that got does not hold.
func addressDiffers(want, got *Address) string {
	if got == nil {
		got = &Address{}
	}
	for _, f := range []struct {
		name      string
		want, got *string
	}{
		{"line1", want.Line1, got.Line1}, {"line2", want.Line2, got.Line2}, {"city", want.City, got.City},
		{"state", want.State, got.State}, {"zip_code", want.ZipCode, got.ZipCode},
	} {
		if f.want != nil && (f.got == nil || *f.got != *f.want) {
			return f.name
		}
	}
	if want.Country != nil {
		// The server upper-cases codes and stores unknown ones as "00".
		if got.Country == nil || (*got.Country != "00" && !strings.EqualFold(*got.Country, *want.Country)) {
			return "country"
		}
	}
	return ""
}

// sameDecimal compares two decimals by value ("0.20" and 0.2 are equal),
// falling back to the text when either is not a number.
func sameDecimal(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	if okA && okB {
		return x.Cmp(y) == 0
	}
	return a == b
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
	if idOrAlias == "" {
		return billbridge.Result[string]{Err: emptyID(index)}
	}
	ans, err := c.e.Call(ctx, engine.Call{Op: "archiveCustomer", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.ArchiveCustomer(ctx, idOrAlias)
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
