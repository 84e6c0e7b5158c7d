package meteroidtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
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
}

var _ meteroidserver.StrictServerInterface = (*store)(nil)

func newStore(seed []meteroidapi.Customer) (*store, error) {
	st := &store{byID: map[string]*meteroidapi.Customer{}, byAlias: map[string]string{}, patched: map[string]int{}, archived: map[string]bool{}}
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
	// Which keys were present comes from the raw body: the typed body alone
	// cannot tell an absent field from a zero one in general, and the spec
	// promises "only the fields present are changed".
	raw, _ := ctx.Value(rawBodyKey{}).([]byte)
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil {
		return meteroidserver.PatchCustomer400JSONResponse{BadRequestJSONResponse: meteroidserver.BadRequestJSONResponse{
			Code: meteroidapi.ErrorCodeBadRequest, Message: "Invalid JSON body: " + err.Error(),
		}}, nil
	}
	has := func(k string) bool { _, ok := present[k]; return ok }
	p := req.Body

	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.PatchCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	if has("alias") && p.Alias != nil && *p.Alias != "" {
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
	n := clone(*c)
	if has("alias") && p.Alias != nil {
		n.Alias = ptr(*p.Alias)
	}
	if has("name") && p.Name != nil {
		n.Name = *p.Name
	}
	if has("billing_email") && p.BillingEmail != nil {
		n.BillingEmail = ptr(*p.BillingEmail)
	}
	if has("invoicing_emails") && p.InvoicingEmails != nil {
		n.InvoicingEmails = append([]string{}, *p.InvoicingEmails...)
	}
	if has("phone") && p.Phone != nil {
		n.Phone = ptr(*p.Phone)
	}
	if has("billing_address") && p.BillingAddress != nil {
		n.BillingAddress = cloneAddress(p.BillingAddress)
	}
	if has("shipping_address") && p.ShippingAddress != nil {
		n.ShippingAddress = cloneShipping(p.ShippingAddress)
	}
	if has("currency") && p.Currency != nil {
		n.Currency = *p.Currency
	}
	if has("invoicing_entity_id") && p.InvoicingEntityId != nil {
		n.InvoicingEntityId = *p.InvoicingEntityId
	}
	if has("vat_number") && p.VatNumber != nil {
		n.VatNumber = ptr(*p.VatNumber)
	}
	if has("is_tax_exempt") && p.IsTaxExempt != nil {
		n.IsTaxExempt = ptr(*p.IsTaxExempt)
	}
	if has("custom_taxes") && p.CustomTaxes != nil {
		n.CustomTaxes = append([]meteroidapi.CustomTax{}, *p.CustomTaxes...)
	}
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

type rawBodyKey struct{}

// keepRawBody hands the raw request body to the strict handler through the
// context (the strict handler decodes the body and keeps only the typed
// value).
func keepRawBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Method == http.MethodPatch {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				renderError(w, r, http.StatusBadRequest, string(meteroidapi.ErrorCodeBadRequest), "cannot read body: "+err.Error(), "")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r = r.WithContext(context.WithValue(r.Context(), rawBodyKey{}, b))
		}
		next.ServeHTTP(w, r)
	})
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
		Middlewares:      []meteroidserver.MiddlewareFunc{keepRawBody},
		ErrorHandlerFunc: badRequest,
	})
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func cloneAddress(a *meteroidapi.Address) *meteroidapi.Address {
	if a == nil {
		return nil
	}
	return &meteroidapi.Address{
		City: clonePtr(a.City), Country: clonePtr(a.Country), Line1: clonePtr(a.Line1),
		Line2: clonePtr(a.Line2), State: clonePtr(a.State), ZipCode: clonePtr(a.ZipCode),
	}
}

func cloneShipping(s *meteroidapi.ShippingAddress) *meteroidapi.ShippingAddress {
	if s == nil {
		return nil
	}
	return &meteroidapi.ShippingAddress{SameAsBilling: s.SameAsBilling, Address: cloneAddress(s.Address)}
}

// clone deep-copies a customer, so callers never share memory with the
// store (the race detector would see it otherwise).
func clone(c meteroidapi.Customer) meteroidapi.Customer {
	c.Alias = clonePtr(c.Alias)
	c.BillingAddress = cloneAddress(c.BillingAddress)
	c.BillingEmail = clonePtr(c.BillingEmail)
	c.CustomTaxes = slices.Clone(c.CustomTaxes)
	c.InvoicingEmails = slices.Clone(c.InvoicingEmails)
	c.IsTaxExempt = clonePtr(c.IsTaxExempt)
	c.Phone = clonePtr(c.Phone)
	c.ShippingAddress = cloneShipping(c.ShippingAddress)
	c.VatNumber = clonePtr(c.VatNumber)
	c.BankAccountId = clonePtr(c.BankAccountId)
	return c
}

// defaultPerPage is the fake's page size when a listing sends no per_page.
// Meteroid's OpenAPI states no default; the facade always sends per_page.
const defaultPerPage = 10

// listed returns the customers a listing selects, in the server's order (by
// id, ascending). The caller holds mu.
func (st *store) listed(search string, archived bool) []*meteroidapi.Customer {
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
	slices.SortFunc(out, func(a, b *meteroidapi.Customer) int { return strings.Compare(a.Id, b.Id) })
	return out
}

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
	all := st.listed(deref(p.Search), p.Archived != nil && *p.Archived)
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
	c := meteroidapi.Customer{
		Name: b.Name, Alias: clonePtr(b.Alias), Currency: b.Currency,
		InvoicingEmails: append([]string{}, b.InvoicingEmails...), CustomTaxes: append([]meteroidapi.CustomTax{}, b.CustomTaxes...),
		BillingEmail: clonePtr(b.BillingEmail), Phone: clonePtr(b.Phone), VatNumber: clonePtr(b.VatNumber),
		BankAccountId: clonePtr(b.BankAccountId), IsTaxExempt: clonePtr(b.IsTaxExempt),
		BillingAddress: cloneAddress(b.BillingAddress), ShippingAddress: cloneShipping(b.ShippingAddress),
		InvoicingEntityId: "ive_default",
	}
	if b.InvoicingEntityId != nil {
		c.InvoicingEntityId = *b.InvoicingEntityId
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
