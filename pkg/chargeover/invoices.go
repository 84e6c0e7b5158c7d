package chargeover

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// Invoice models, re-exported from the generated package.
type (
	// InvoiceCreate is the body of an invoice create: the customer (by
	// CustomerId or CustomerExternalKey), the lines, and the invoice's own
	// ExternalKey.
	InvoiceCreate = chargeoverapi.InvoiceCreate
	// InvoiceLineCreate is one line of an InvoiceCreate.
	InvoiceLineCreate = chargeoverapi.InvoiceLineCreate
	// Invoice is an invoice as ChargeOver returns it (a list leaves
	// LineItems out; GetInvoice has them).
	Invoice = chargeoverapi.Invoice
	// InvoiceLine is one line of an Invoice as read.
	InvoiceLine = chargeoverapi.InvoiceLine
)

// InvoiceQuery is what ListInvoices reads: the conditions (fields of the
// Invoice read schema, such as customer_id or invoice_status_str), the
// order (invoice_id ascending by default, and the tie-breaker) and the page
// size (0: DefaultPageSize, at most MaxPageSize).
type InvoiceQuery struct {
	// Where are the conditions; none lists every invoice.
	Where []Condition
	// Order sorts the result; empty means invoice_id ascending.
	Order []SortKey
	// PageSize is the number of invoices per request.
	PageSize int
}

const (
	opCreateInvoice = "createInvoice"
	opGetInvoice    = "getInvoice"
	opListInvoices  = "listInvoices"
	invoiceURI      = "/api/v3/invoice"
)

// ValidateInvoice checks an invoice create as every create does before
// sending: the spec's InvoiceCreate schema, exactly one of customer_id
// and customer_external_key, and at most one of item_id and
// item_external_key per line. It returns a *billbridge.ValidationError
// (Index 0) naming the field, or nil.
func ValidateInvoice(in InvoiceCreate) error { return checkInvoice(0, in) }

func checkInvoice(index int, in InvoiceCreate) error {
	if err := checkWith(invoiceSchema, index, in); err != nil {
		return err
	}
	switch {
	case in.CustomerId == nil && in.CustomerExternalKey == nil:
		return &billbridge.ValidationError{Index: index, Field: "customer_id", Reason: "give customer_id or customer_external_key"}
	case in.CustomerId != nil && in.CustomerExternalKey != nil:
		return &billbridge.ValidationError{Index: index, Field: "customer_external_key", Reason: "give customer_id or customer_external_key, not both"}
	}
	for i, l := range in.LineItems {
		if l.ItemId != nil && l.ItemExternalKey != nil {
			return &billbridge.ValidationError{Index: index, Field: fmt.Sprintf("line_items/%d/item_external_key", i), Reason: "give item_id or item_external_key, not both"}
		}
	}
	return nil
}

// invoiceComparer compares an invoice create with a stored invoice: every
// field of the spec's InvoiceCreate but its writeOnly ones (the
// *_external_key references, which a read returns as ids), lines element by
// element, with ChargeOver's normalisation (customerRules).
var invoiceComparer = comparerOf(invoiceSchema)

// invoiceSchema is the spec's InvoiceCreate.
var invoiceSchema = schemaOf("InvoiceCreate")

// invoiceKeyed is the keyed create of invoices. It has no Pages: a list
// answer carries no line items, so invoices are looked up by key only (25
// per _bulk call of GET /api/v3/invoice/external_key:{key}), where the read
// has them.
func (c *Client) invoiceKeyed() *engine.Keyed[InvoiceCreate, Invoice, int64] {
	return &engine.Keyed[InvoiceCreate, Invoice, int64]{
		Engine: c.e, Op: opCreateInvoice, KeyName: "external_key", Entity: "invoice",
		Compare:    invoiceComparer(),
		ID:         func(inv Invoice) string { return inv.InvoiceId.String() },
		Value:      func(inv Invoice) int64 { return idOf(inv.InvoiceId) },
		Lookup:     bulkLookup[InvoiceCreate, Invoice](c, opGetInvoice, invoiceKeyURI, false),
		PerRequest: MaxBatchSize,
		Create:     bulkCreate[InvoiceCreate](c, invoiceURI),
		// A refusal may be "external_key in use": the invoice holding it
		// tells.
		KeyTaken: func(r billbridge.Result[int64]) bool { return r.Status == http.StatusBadRequest },
		Update:   c.updateFoundInvoices,
		Rounds:   c.rounds,
	}
}

func invoiceKeyURI(key string) string { return invoiceURI + "/external_key:" + url.PathEscape(key) }

func (c *Client) beginInvoices(ctx context.Context, expected int) *engine.KeyedCall[InvoiceCreate, Invoice, int64] {
	return c.invoiceKeyed().Begin(ctx, func(in InvoiceCreate) string { return deref(in.ExternalKey) },
		func(inv Invoice) string { return deref(inv.ExternalKey) }, expected)
}

// CreateInvoices creates invoices through POST /api/v3/_bulk, up to 25 per
// call, and returns one result per item in input order: Value is the
// invoice_id, ID the same in decimal. An item names its customer by
// CustomerId or, for data synced from elsewhere, by CustomerExternalKey.
// Items that fail local validation get a *billbridge.ValidationError and
// are not sent.
//
// Items with an external_key are keyed writes, exactly as CreateCustomers
// (see there and option.WithMode): the keys are looked up first (25 per
// _bulk call; never through the list, whose answers have no lines); an
// invoice found with the item's data (lines compared one by one, the
// writeOnly *_external_key references skipped) is Unchanged and nothing is
// sent; one with other data is a conflict in ModeCreate and a PUT of the
// item's fields in ModeUpsert (UpdateInvoices: lines replaced, totals
// recomputed); a create whose answer is lost is read back by its key and,
// absent, sent again. An
// item without an external_key whose create may or may not have happened
// fails with an error wrapping billbridge.ErrOutcomeUnknown.
func (c *Client) CreateInvoices(ctx context.Context, invoices []InvoiceCreate, opts ...option.RequestOption) []billbridge.Result[int64] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginInvoices(ctx, len(invoices))
	for range kc.Unique(slices.Values(invoices)) {
	}
	return batch.Run(ctx, invoices, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkInvoice, bulkCreate[InvoiceCreate](c, invoiceURI)))
}

// CreateInvoicesSeq is CreateInvoices over a stream, in bounded memory
// (about 40 bytes per external_key seen); results come in input order as
// they complete, and breaking out of the loop stops sending.
func (c *Client) CreateInvoicesSeq(ctx context.Context, invoices iter.Seq[InvoiceCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginInvoices(ctx, 0)
	return batch.Stream(ctx, kc.Unique(invoices), -1, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkInvoice, bulkCreate[InvoiceCreate](c, invoiceURI)))
}

// CreateInvoice creates one invoice through POST /api/v3/invoice, with the
// validation and external_key rules of CreateInvoices, and returns its
// invoice_id.
func (c *Client) CreateInvoice(ctx context.Context, invoice InvoiceCreate, opts ...option.RequestOption) (int64, error) {
	ctx = c.e.Context(ctx, opts)
	send := func(ctx context.Context, in InvoiceCreate) (*http.Response, error) {
		return c.API.CreateInvoice(ctx, in)
	}
	r := keyedWith(c.beginInvoices(ctx, 1), checkInvoice, directCreate(c, opCreateInvoice, send))(ctx, []batch.Item[InvoiceCreate]{{Value: invoice}})[0]
	return r.Value, r.Err
}

// GetInvoice reads the invoice with this invoice_id, with its lines (GET
// /api/v3/invoice/{invoice_id}). A missing invoice matches
// errors.Is(err, billbridge.ErrNotFound); an id below 1 is a
// *billbridge.ValidationError and nothing is sent.
func (c *Client) GetInvoice(ctx context.Context, id int64, opts ...option.RequestOption) (*Invoice, error) {
	if id < 1 {
		return nil, &billbridge.ValidationError{Field: "invoice_id", Reason: "must be at least 1"}
	}
	return readOne[Invoice](c.e.Context(ctx, opts), c, opGetInvoice, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetInvoice(ctx, id)
	})
}

// GetInvoiceByExternalKey reads the invoice with this external_key, with
// its lines (GET /api/v3/invoice/external_key:{key}, sent as a _bulk
// sub-request). A missing invoice matches errors.Is(err,
// billbridge.ErrNotFound).
func (c *Client) GetInvoiceByExternalKey(ctx context.Context, key string, opts ...option.RequestOption) (*Invoice, error) {
	if key == "" {
		return nil, &billbridge.ValidationError{Field: "external_key", Reason: "must not be empty"}
	}
	return getOne[Invoice](c.e.Context(ctx, opts), c, opGetInvoice, invoiceKeyURI(key))
}

// ListInvoices walks every invoice matching q (GET /api/v3/invoice), one
// page request at a time, and yields each invoice once, without its lines
// (ChargeOver's list gives the overview; GetInvoice reads the lines). The
// paging guarantees are ListCustomers', with invoice_id in place of
// customer_id. An invalid query yields a *billbridge.ValidationError once
// and sends nothing.
func (c *Client) ListInvoices(ctx context.Context, q InvoiceQuery, opts ...option.RequestOption) iter.Seq2[Invoice, error] {
	send := func(ctx context.Context, p listParams) (*http.Response, error) {
		return c.API.ListInvoices(ctx, &chargeoverapi.ListInvoicesParams{Where: p.where, Order: p.order, Offset: p.offset, Limit: p.limit})
	}
	return listWalk(c.e.Context(ctx, opts), c, CustomerQuery(q), "invoice_id", opListInvoices, send, func(inv Invoice) json.Number { return inv.InvoiceId })
}
