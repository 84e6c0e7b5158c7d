package meteroidtest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
)

// store holds the customers behind one mutex and implements the generated
// strict server interface.
type store struct {
	mu      sync.Mutex
	order   []string                         // ids in seed order
	byID    map[string]*meteroidapi.Customer // id -> customer
	byAlias map[string]string                // alias -> id
	patched map[string]int                   // id -> PATCHes applied
	// archived holds the ids of archived customers: still found by GET,
	// left out of listings unless archived=true.
	archived map[string]bool
	created  int // customers created through POST
	// cat is the catalog (products, metrics, plans); subs the
	// subscriptions to its plans.
	cat  catalog
	subs subscriptions
	invs invoices
	// hooks sends the webhooks (nil: none); webhookSeq numbers them.
	hooks      *fake.Webhooks
	webhookSeq int
	// ev holds the ingested events, behind its own lock.
	ev *events
	// usageSubs maps subscription ids to customers for the usage reads,
	// beside the subscriptions created through the API (WithSubscriptions).
	usageSubs map[string]string
}

var _ meteroidserver.StrictServerInterface = (*store)(nil)

func newStore(seed []meteroidapi.Customer) (*store, error) {
	st := &store{byID: map[string]*meteroidapi.Customer{}, byAlias: map[string]string{}, patched: map[string]int{}, archived: map[string]bool{},
		cat: defaultCatalog(), ev: newEvents(nil)}
	for i, c := range seed {
		c = clone(c)
		if c.Id == "" {
			for c.Id == "" || st.byID[c.Id] != nil {
				c.Id = "cus_" + randomBase62(22)
			}
		}
		// Fill the required fields so that every response validates.
		if c.CustomTaxes == nil {
			c.CustomTaxes = []meteroidapi.CustomTax{}
		}
		if c.InvoicingEmails == nil {
			c.InvoicingEmails = []string{}
		}
		if c.Currency == "" {
			c.Currency = meteroidapi.CurrencyEUR
		}
		if c.InvoicingEntityId == "" {
			c.InvoicingEntityId = "ive_default"
		}
		if st.byID[c.Id] != nil {
			return nil, fmt.Errorf("meteroidtest: seed customer %d: duplicate id %q", i, c.Id)
		}
		if a := alias(&c); a != "" {
			if _, dup := st.byAlias[a]; dup {
				return nil, fmt.Errorf("meteroidtest: seed customer %d: duplicate alias %q", i, a)
			}
			st.byAlias[a] = c.Id
		}
		st.byID[c.Id] = &c
		st.order = append(st.order, c.Id)
	}
	return st, nil
}

func alias(c *meteroidapi.Customer) string {
	if c.Alias == nil {
		return ""
	}
	return *c.Alias
}

// find looks a customer up by id first, then by alias (Meteroid's order).
// The caller holds mu.
func (st *store) find(idOrAlias string) *meteroidapi.Customer {
	if c := st.byID[idOrAlias]; c != nil {
		return c
	}
	if id, ok := st.byAlias[idOrAlias]; ok {
		return st.byID[id]
	}
	return nil
}

func (st *store) get(idOrAlias string) (meteroidapi.Customer, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.find(idOrAlias)
	if c == nil {
		return meteroidapi.Customer{}, false
	}
	return clone(*c), true
}

func (st *store) all() []meteroidapi.Customer {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]meteroidapi.Customer, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, clone(*st.byID[id]))
	}
	return out
}

func (st *store) patches(idOrAlias string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if c := st.find(idOrAlias); c != nil {
		return st.patched[c.Id]
	}
	return 0
}

func notFound(idOrAlias string) meteroidserver.NotFoundJSONResponse {
	return meteroidserver.NotFoundJSONResponse{
		Code:    meteroidapi.ErrorCodeNotFound,
		Message: fmt.Sprintf("Customer not found: no customer has id or alias %q", idOrAlias),
	}
}

// GetCustomer answers 200 with the customer or 404.
func (st *store) GetCustomer(_ context.Context, req meteroidserver.GetCustomerRequestObject) (meteroidserver.GetCustomerResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.GetCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	return meteroidserver.GetCustomer200JSONResponse(clone(*c)), nil
}

// PatchCustomer changes the fields present in the body and answers 200 with
// the whole customer, 404, or 400 CONFLICT for an alias in use.
func (st *store) PatchCustomer(ctx context.Context, req meteroidserver.PatchCustomerRequestObject) (meteroidserver.PatchCustomerResponseObject, error) {
	p := req.Body

	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.PatchCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	if p.Alias != nil && *p.Alias != "" {
		a := *p.Alias
		// An alias equal to another customer's id would be unreachable
		// (ids win the lookup), so it conflicts as well.
		if id, used := st.byAlias[a]; (used && id != c.Id) || (st.byID[a] != nil && a != c.Id) {
			// The spec declares no 409, so the conflict is a 400 with
			// code CONFLICT.
			return meteroidserver.PatchCustomer400JSONResponse{BadRequestJSONResponse: meteroidserver.BadRequestJSONResponse{
				Code:    meteroidapi.ErrorCodeConflict,
				Message: fmt.Sprintf("alias %q is already used by another customer", a),
			}}, nil
		}
	}
	// Apply to a copy, so a half-applied patch never becomes visible.
	// Every field the patch carries replaces the customer's, arrays and
	// objects as a whole (Meteroid's PATCH), whatever fields the spec adds.
	n := jsoncopy.Merge(*c, *p)
	if old, nw := alias(c), alias(&n); old != nw {
		delete(st.byAlias, old)
		if nw != "" {
			st.byAlias[nw] = n.Id
		}
	}
	*c = n
	st.patched[c.Id]++
	return meteroidserver.PatchCustomer200JSONResponse(clone(n)), nil
}

// handler is the generated gorilla router over the strict handler, with
// error handlers that answer in Meteroid's format.
func (st *store) handler() http.Handler {
	badRequest := func(w http.ResponseWriter, r *http.Request, err error) {
		renderError(w, r, http.StatusBadRequest, string(meteroidapi.ErrorCodeBadRequest), err.Error(), "")
	}
	strict := meteroidserver.NewStrictHandlerWithOptions(st, nil, meteroidserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: badRequest,
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			renderError(w, r, http.StatusInternalServerError, string(meteroidapi.ErrorCodeInternalServerError), err.Error(), "")
		},
	})
	return meteroidserver.HandlerWithOptions(strict, meteroidserver.GorillaServerOptions{
		BaseRouter:       fake.NewRouter(),
		ErrorHandlerFunc: badRequest,
	})
}

func ptr[T any](v T) *T { return &v }

// clone deep-copies a customer, so callers never share memory with the
// store (the race detector would see it otherwise). It copies every field
// of the generated type, whatever the spec adds.
func clone(c meteroidapi.Customer) meteroidapi.Customer { return jsoncopy.Clone(c) }

// defaultPerPage is the fake's page size when a listing sends no per_page.
// Meteroid's OpenAPI states no default; the facade always sends per_page.
const defaultPerPage = 10

// listed returns the customers a listing selects, in the order orderBy
// names ("column.direction"; "" for the server's default, created_at.desc).
// The fake's created_at is the creation order (seeds first, in seed order),
// and ties keep it. The caller holds mu.
func (st *store) listed(search string, archived bool, orderBy string) []*meteroidapi.Customer {
	needle := strings.ToLower(search)
	var out []*meteroidapi.Customer
	for _, id := range st.order {
		c := st.byID[id]
		if st.archived[id] != archived {
			continue
		}
		if needle != "" && !matches(c, needle) {
			continue
		}
		out = append(out, c)
	}
	if orderBy == "" {
		orderBy = defaultOrderBy
	}
	column, direction, _ := strings.Cut(orderBy, ".")
	var key func(c *meteroidapi.Customer) string
	switch column {
	case "name":
		key = func(c *meteroidapi.Customer) string { return c.Name }
	case "email":
		key = func(c *meteroidapi.Customer) string { return deref(c.BillingEmail) }
	case "alias":
		key = alias
	}
	if key != nil {
		slices.SortStableFunc(out, func(a, b *meteroidapi.Customer) int { return strings.Compare(key(a), key(b)) })
	}
	if direction == "desc" {
		slices.Reverse(out)
	}
	return out
}

// defaultOrderBy is Meteroid's order of a listing without order_by: newest
// first.
const defaultOrderBy = "created_at.desc"

// matches reports whether needle (lower case) is part of the customer's name,
// alias or billing e-mail, ignoring case ("part of name, alias or email" in
// Meteroid's source; whether the real match ignores case is not documented).
func matches(c *meteroidapi.Customer, needle string) bool {
	for _, s := range []string{c.Name, alias(c), deref(c.BillingEmail)} {
		if s != "" && strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ListCustomers answers one page and its pagination_meta. archived absent or
// false lists the customers that are not archived, true only the archived
// ones (the spec's reading).
func (st *store) ListCustomers(_ context.Context, req meteroidserver.ListCustomersRequestObject) (meteroidserver.ListCustomersResponseObject, error) {
	p := req.Params
	page, perPage := int64(0), int64(defaultPerPage)
	if p.Page != nil {
		page = int64(*p.Page)
	}
	if p.PerPage != nil {
		perPage = int64(*p.PerPage)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	all := st.listed(deref(p.Search), p.Archived != nil && *p.Archived, deref(p.OrderBy))
	total := int64(len(all))
	data := []meteroidapi.Customer{}
	if from := page * perPage; from < total {
		for _, c := range all[from:min(from+perPage, total)] {
			data = append(data, clone(*c))
		}
	}
	return meteroidserver.ListCustomers200JSONResponse{Data: data, PaginationMeta: meteroidapi.PaginationMeta{
		Page: int32(page), PerPage: int32(perPage), TotalItems: total, TotalPages: int32((total + perPage - 1) / perPage),
	}}, nil
}

// CreateCustomer stores a new customer and answers 201, or 409 CONFLICT when
// its alias is in use (by an archived customer too, or as another customer's
// id, which would make it unreachable).
func (st *store) CreateCustomer(_ context.Context, req meteroidserver.CreateCustomerRequestObject) (meteroidserver.CreateCustomerResponseObject, error) {
	b := req.Body
	st.mu.Lock()
	defer st.mu.Unlock()
	if b.Alias != nil && *b.Alias != "" {
		if _, used := st.byAlias[*b.Alias]; used || st.byID[*b.Alias] != nil {
			return meteroidserver.CreateCustomer409JSONResponse{ConflictJSONResponse: meteroidserver.ConflictJSONResponse{
				Code: meteroidapi.ErrorCodeConflict, Message: fmt.Sprintf("Customer already exists: alias %q is in use", *b.Alias),
			}}, nil
		}
	}
	// Every field of the request, by its JSON name, whatever the spec adds.
	c := jsoncopy.Convert[meteroidapi.Customer](*b)
	if c.InvoicingEmails == nil {
		c.InvoicingEmails = []string{}
	}
	if c.CustomTaxes == nil {
		c.CustomTaxes = []meteroidapi.CustomTax{}
	}
	if c.InvoicingEntityId == "" {
		c.InvoicingEntityId = "ive_default"
	}
	// The server upper-cases country codes.
	for _, a := range []*meteroidapi.Address{c.BillingAddress, shippingAddress(c.ShippingAddress)} {
		if a != nil && a.Country != nil {
			a.Country = ptr(strings.ToUpper(*a.Country))
		}
	}
	for c.Id == "" || st.byID[c.Id] != nil {
		c.Id = "cus_" + randomBase62(22)
	}
	if a := alias(&c); a != "" {
		st.byAlias[a] = c.Id
	}
	st.byID[c.Id] = &c
	st.order = append(st.order, c.Id)
	st.created++
	st.customerCreated(&c)
	return meteroidserver.CreateCustomer201JSONResponse(clone(c)), nil
}

func shippingAddress(s *meteroidapi.ShippingAddress) *meteroidapi.Address {
	if s == nil {
		return nil
	}
	return s.Address
}

// ArchiveCustomer marks the customer archived and answers 204 (again for an
// archived one, so that a retry is harmless), or 404.
func (st *store) ArchiveCustomer(_ context.Context, req meteroidserver.ArchiveCustomerRequestObject) (meteroidserver.ArchiveCustomerResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.ArchiveCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	st.archived[c.Id] = true
	return meteroidserver.ArchiveCustomer204Response{}, nil
}

func (st *store) isArchived(idOrAlias string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.find(idOrAlias)
	return c != nil && st.archived[c.Id]
}

func (st *store) creates() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.created
}
