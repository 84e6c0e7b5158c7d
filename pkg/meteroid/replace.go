package meteroid

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// CustomerReplace is one item of ReplaceCustomers: the customer, by id
// (cus_…) or alias, and its new content.
type CustomerReplace struct {
	// IDOrAlias addresses the customer: its id (cus_…) or its alias.
	IDOrAlias string
	// Customer is the whole new customer: every optional field left nil
	// is cleared.
	Customer CustomerUpdateRequest
}

// ReplaceCustomers replaces customers as a whole (PUT
// /api/v1/customers/{id_or_alias}), one request per item with up to
// Concurrency in flight, and returns one result per item in input order:
// ID the customer's id, Value the customer after the replacement, Status
// 200. Unlike PatchCustomers, an optional field the item leaves nil is
// cleared. Invalid items (empty IDOrAlias, a body that breaks the spec's
// CustomerUpdateRequest, which also requires invoicing_entity_id) fail
// locally with a *billbridge.ValidationError naming the field, and are not
// sent. An unknown customer's error wraps billbridge.ErrNotFound.
//
// A replacement is idempotent (the same body twice leaves the customer as
// once), so every retryable failure is retried, a lost answer and a 5xx
// included. An item addressed by alias whose body gives another alias, or
// none (which clears it), is first resolved to the customer's id (a GET),
// so that a retry after a first attempt that acted still finds it.
func (c *Client) ReplaceCustomers(ctx context.Context, items []CustomerReplace, opts ...option.RequestOption) []billbridge.Result[Customer] {
	return batch.Run(c.e.Context(ctx, opts), items, c.e.BatchOptions(1), batch.Each(c.replaceOne))
}

// ReplaceCustomersSeq is ReplaceCustomers over a stream, in bounded memory.
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) ReplaceCustomersSeq(ctx context.Context, items iter.Seq[CustomerReplace], opts ...option.RequestOption) iter.Seq[billbridge.Result[Customer]] {
	return batch.Stream(c.e.Context(ctx, opts), items, -1, c.e.BatchOptions(1), batch.Each(c.replaceOne))
}

// ReplaceCustomer replaces one customer and returns it after the
// replacement. Errors are as in ReplaceCustomers' results.
func (c *Client) ReplaceCustomer(ctx context.Context, idOrAlias string, customer CustomerUpdateRequest, opts ...option.RequestOption) (*Customer, error) {
	r := c.replaceOne(c.e.Context(ctx, opts), 0, CustomerReplace{IDOrAlias: idOrAlias, Customer: customer})
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

// ValidateCustomerReplace checks a replacement as ReplaceCustomers does
// before sending: a non-empty IDOrAlias and a body that matches the spec's
// CustomerUpdateRequest. It returns a *billbridge.ValidationError (Index 0)
// naming the field, or nil.
func ValidateCustomerReplace(r CustomerReplace) error { return checkReplace(0, r) }

func checkReplace(index int, r CustomerReplace) error {
	if r.IDOrAlias == "" {
		return emptyID(index)
	}
	if r.Customer.InvoicingEmails == nil {
		r.Customer.InvoicingEmails = []string{}
	}
	if r.Customer.CustomTaxes == nil {
		r.Customer.CustomTaxes = []CustomTax{}
	}
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[2].Check(index, r.Customer)
}

// replaceOne validates and sends one replacement. The Call is not Unsafe:
// a PUT acting twice leaves what acting once does.
func (c *Client) replaceOne(ctx context.Context, index int, r CustomerReplace) billbridge.Result[Customer] {
	if r.Customer.InvoicingEmails == nil {
		r.Customer.InvoicingEmails = []string{}
	}
	if r.Customer.CustomTaxes == nil {
		r.Customer.CustomTaxes = []CustomTax{}
	}
	if err := checkReplace(index, r); err != nil {
		return billbridge.Result[Customer]{Err: err}
	}
	target, attempts := r.IDOrAlias, 0
	if !strings.HasPrefix(target, idPrefix) && deref(r.Customer.Alias) != target {
		// The body renames or clears the alias that addresses the
		// customer: resolve the id first (see PatchCustomers).
		cust, ans, err := c.get(ctx, target)
		attempts += ans.Attempts
		if err != nil {
			return c.failed(index, ans.Status, attempts, err)
		}
		target = cust.Id
	}
	cust, ans, err := c.customerCall(ctx, engine.Call{Op: "updateCustomer", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.UpdateCustomer(ctx, target, r.Customer)
	}})
	attempts += ans.Attempts
	if err != nil {
		return c.failed(index, ans.Status, attempts, err)
	}
	return billbridge.Result[Customer]{ID: cust.Id, Value: *cust, Status: ans.Status, Attempts: attempts}
}
