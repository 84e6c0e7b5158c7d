package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/jsonvalue"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// maxCreateRounds bounds the sends of one create whose outcome stays
// unknown: each further send follows a read-back that found no customer.
const maxCreateRounds = 3

// rules is how Meteroid stores what it is sent, for the comparison of a
// create with the customer found under its alias: it upper-cases country
// codes and stores unknown ones as "00", and writes decimals (tax rates)
// as numbers.
var rules = engine.Rules{
	Normalize: func(path string, v any) any {
		s, ok := v.(string)
		switch {
		case strings.HasSuffix(path, "country") && ok:
			return strings.ToUpper(s)
		case strings.HasSuffix(path, "rate"):
			return engine.Decimal(v)
		}
		return v
	},
	Ignore: func(path string, _, stored any) bool {
		return strings.HasSuffix(path, "country") && stored == "00"
	},
}

// CreateCustomers creates customers, one POST per item with up to
// Concurrency in flight (Meteroid has no batch endpoint), and returns one
// result per item in input order. Items that break the spec (a missing
// required field, an unknown currency) fail locally with a
// *billbridge.ValidationError and are not sent; nil InvoicingEmails and
// CustomTaxes are sent as empty lists.
//
// Items with an alias are keyed writes (see option.WithMode): before
// sending, the call looks their aliases up (walking the customer pages into
// an index when that takes fewer requests than one GET per alias), and
//   - no customer holds the alias: it is created (Outcome Created, ID the
//     new id, Status 201);
//   - a customer holds it with the item's data (every field the item sets,
//     compared as Meteroid stores it; writeOnly fields of the spec are not
//     compared): Outcome Unchanged, Existing set, nothing sent;
//   - a customer holds it with other data: in ModeCreate (the default) an
//     error wrapping billbridge.ErrConflict naming the customer and the
//     first differing field (Outcome Conflict, Changes all of them); in
//     ModeUpsert a PATCH of those fields (Outcome Updated), or a conflict
//     when a field PATCH cannot change differs; ModePlan sends nothing and
//     says what an upsert would do.
//
// Two items of one call with the same alias: the later one fails with a
// *billbridge.ValidationError naming the earlier, and is not sent.
//
// A POST is not idempotent: it is repeated only when Meteroid surely did
// not act on it (429, or a connection that failed before the request was
// written). When it may have acted (no answer, a 5xx, an unreadable 2xx),
// or answers 409 (the alias is taken), the alias is read back (GET, safe
// to retry) and judged as above; a lost create found holding the item's
// data is Created with Existing set; not found, the item is sent again, up
// to maxCreateRounds sends in all. An item without an alias cannot be read
// back: its result keeps the error wrapping billbridge.ErrOutcomeUnknown.
func (c *Client) CreateCustomers(ctx context.Context, items []CustomerCreate, opts ...option.RequestOption) []billbridge.Result[Customer] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginCreate(ctx, len(items))
	for range kc.Unique(slices.Values(items)) {
	}
	return batch.Run(ctx, items, c.e.BatchOptions(1), batch.Each(c.createWith(kc)))
}

// CreateCustomersSeq is CreateCustomers over a stream: items are read as
// they are sent, so memory stays bounded whatever the input's length (the
// aliases seen take about 40 bytes each). Results arrive in input order;
// breaking out of the loop cancels the requests in flight. Give
// option.WithExpectedItems when the length is known.
func (c *Client) CreateCustomersSeq(ctx context.Context, items iter.Seq[CustomerCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginCreate(ctx, 0)
	return batch.Stream(ctx, kc.Unique(items), -1, c.e.BatchOptions(1), batch.Each(c.createWith(kc)))
}

// CreateCustomer creates one customer and returns it, as CreateCustomers
// does for one item (a customer found by its alias holding the item's data
// is returned without an error; errors are as in CreateCustomers' results).
func (c *Client) CreateCustomer(ctx context.Context, item CustomerCreate, opts ...option.RequestOption) (*Customer, error) {
	r := c.CreateCustomers(ctx, []CustomerCreate{item}, opts...)[0]
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

type createCall = engine.KeyedCall[CustomerCreate, Customer, Customer]

func (c *Client) beginCreate(ctx context.Context, expected int) *createCall {
	return c.keyed().Begin(ctx, aliasOf, func(cust Customer) string { return deref(cust.Alias) }, expected)
}

func aliasOf(item CustomerCreate) string { return deref(item.Alias) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// createWith validates one create and writes it through the call.
func (c *Client) createWith(kc *createCall) func(ctx context.Context, index int, item CustomerCreate) billbridge.Result[Customer] {
	return func(ctx context.Context, index int, item CustomerCreate) billbridge.Result[Customer] {
		if item.InvoicingEmails == nil {
			item.InvoicingEmails = []string{}
		}
		if item.CustomTaxes == nil {
			item.CustomTaxes = []CustomTax{}
		}
		if err := checkCreate(index, item); err != nil {
			return billbridge.Result[Customer]{Err: err}
		}
		res := make([]billbridge.Result[Customer], 1)
		kc.Write(ctx, []int{index}, []CustomerCreate{item}, res)
		return res[0]
	}
}

// keyed is the keyed create of customers, built once per client.
func (c *Client) keyed() *engine.Keyed[CustomerCreate, Customer, Customer] {
	c.keyedOnce.Do(func() {
		c.keyedCreate = &engine.Keyed[CustomerCreate, Customer, Customer]{
			Engine: c.e, Op: "createCustomer", KeyName: "alias", Entity: "customer",
			Compare: engine.NewComparer(validate.WriteOnlyOf(loadValidators, 1), rules),
			ID:      func(cust Customer) string { return cust.Id },
			Value:   func(cust Customer) Customer { return cust },
			Pages: func() engine.PageFunc[Customer] {
				return engine.Walk(int32(0), c.customerPages(CustomerQuery{}, MaxPageSize))
			},
			Lookup:     c.lookupAliases,
			PerRequest: 1,
			Create:     c.sendCreates,
			KeyTaken:   func(r billbridge.Result[Customer]) bool { return r.Status == http.StatusConflict },
			Update:     c.patchFound,
			Rounds:     maxCreateRounds,
		}
	})
	return c.keyedCreate
}

// lookupAliases reads each item's alias back (one GET each: Meteroid has
// no batch read).
func (c *Client) lookupAliases(ctx context.Context, key func(CustomerCreate) string, _ func(Customer) string, items []CustomerCreate) (map[string][]Customer, int, error) {
	found := map[string][]Customer{}
	attempts := 0
	var lastErr error
	for _, it := range items {
		alias := key(it)
		cust, ans, err := c.get(ctx, alias)
		attempts += ans.Attempts
		switch {
		case err == nil:
			found[alias] = []Customer{*cust}
		case errors.Is(err, billbridge.ErrNotFound):
			found[alias] = nil
		default:
			lastErr = err // this alias stays unsettled; the others go on
		}
	}
	return found, attempts, lastErr
}

// sendCreates sends each item as one POST /api/v1/customers.
func (c *Client) sendCreates(ctx context.Context, items []CustomerCreate, res []billbridge.Result[Customer]) {
	for i, item := range items {
		cust, ans, err := c.customerCall(ctx, engine.Call{Op: "createCustomer", Unsafe: true, Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.CreateCustomer(ctx, item)
		}})
		res[i].Attempts, res[i].Status, res[i].Err = ans.Attempts, ans.Status, err
		if err == nil {
			res[i].ID, res[i].Value = cust.Id, *cust
		}
	}
}

// patchFound updates customers found holding other data than their items
// (ModeUpsert) with a PATCH of the fields that differ. A differing field
// that PATCH cannot change (the spec's CustomerPatch lacks it) makes the
// item a conflict naming it.
func (c *Client) patchFound(ctx context.Context, found []Customer, items []CustomerCreate, changes [][]billbridge.Change, res []billbridge.Result[Customer]) {
	for i, item := range items {
		patch, blocked, err := patchOf(item, changes[i])
		switch {
		case err != nil:
			res[i].Err = err
			continue
		case blocked != "":
			res[i].Err = &billbridge.APIError{Provider: Provider, Operation: "patchCustomer", Code: CodeConflict, Param: blocked,
				Err: billbridge.ErrConflict, Message: "alias " + deref(item.Alias) + ": field " + blocked + " differs and PATCH cannot change it"}
			continue
		}
		r := c.patchOne(ctx, 0, CustomerUpdate{IDOrAlias: found[i].Id, Patch: patch})
		res[i] = r
	}
}

// patchOf is the patch that sets the top-level fields of item named in
// changes, or the first changed field the patch cannot carry.
func patchOf(item CustomerCreate, changes []billbridge.Change) (CustomerPatch, string, error) {
	var all map[string]json.RawMessage
	raw, err := json.Marshal(item)
	if err == nil {
		err = json.Unmarshal(raw, &all)
	}
	if err != nil {
		return CustomerPatch{}, "", err
	}
	patchable := jsonvalue.Fields(reflect.TypeFor[CustomerPatch]())
	part := map[string]json.RawMessage{}
	for _, ch := range changes {
		top, _, _ := strings.Cut(ch.Field, "/")
		if _, ok := patchable[top]; !ok {
			return CustomerPatch{}, top, nil
		}
		part[top] = all[top]
	}
	raw, _ = json.Marshal(part)
	var patch CustomerPatch
	return patch, "", json.Unmarshal(raw, &patch)
}
