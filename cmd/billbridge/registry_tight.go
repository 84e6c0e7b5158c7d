package main

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// tightProvider is Tight in the registry: customers, invoices and payments.
var tightProvider = &providerDef{
	name: "tight",
	fake: startTightFake,
	resources: []*resourceDef{
		{
			name: "customers",
			line: "tight.CustomerInput",
			key:  "id (push; lines without one create, found again by the create key); sync: the field --key names",
			verbs: []*verbDef{
				{name: "push", method: "SaveCustomersSeq", ops: []string{"saveCustomers"}, job: tightCustomersJob},
				{name: "sync", method: "SaveCustomersSeq + tight.WithKeyField", job: tightSyncJob},
				{name: "list", method: "ListCustomers", ops: []string{"queryCustomers"}, read: tightCustomersRead()},
				{name: "get", method: "GetCustomer", ops: []string{"getCustomer"}, read: tightCustomersRead()},
				{name: "delete", method: "DeleteCustomersSeq", ops: []string{"deleteCustomer"}, each: tightEach((*tight.Client).DeleteCustomersSeq)},
			},
		},
		{
			name: "invoices",
			line: "tight.InvoiceInput",
			key:  "id (lines without one create, found again by the create key)",
			verbs: []*verbDef{
				{name: "push", method: "SaveInvoicesSeq", ops: []string{"saveInvoices"}, job: tightInvoicesJob},
				// Tight documents no read of one invoice: list and get both
				// walk the invoice query.
				{name: "list", method: "ListInvoices", ops: []string{"queryInvoices"}, read: tightInvoicesRead()},
				{name: "get", method: "ListInvoices (walked until the id)", read: tightInvoicesRead()},
				{name: "delete", method: "DeleteInvoicesSeq", ops: []string{"deleteInvoice"}, each: tightEach((*tight.Client).DeleteInvoicesSeq)},
				{name: "send", method: "SendInvoicesSeq", ops: []string{"sendInvoice"}, each: tightSendInvoices},
			},
		},
		{
			name: "payments",
			line: "tight.PaymentInput",
			key:  "id (lines without one create, found again by the create key)",
			verbs: []*verbDef{
				{name: "push", method: "SavePaymentsSeq", ops: []string{"savePayments"}, job: tightPaymentsJob},
				{name: "list", method: "ListPayments", ops: []string{"queryPayments"}, read: tightPaymentsRead()},
				{name: "get", method: "GetPayment", ops: []string{"getPayment"}, read: tightPaymentsRead()},
				{name: "delete", method: "DeletePaymentsSeq", ops: []string{"deletePayment"}, each: tightEach((*tight.Client).DeletePaymentsSeq)},
			},
		},
		{
			name: "item-templates",
			line: "tight.ItemTemplateInput",
			key:  "id (lines without one create, with no create key: Tight has no read of templates to settle a lost answer by)",
			verbs: []*verbDef{
				{name: "push", method: "SaveItemTemplatesSeq", ops: []string{"saveItemTemplates"}, job: tightItemTemplatesJob},
				{name: "delete", method: "DeleteItemTemplatesSeq", ops: []string{"deleteItemTemplate"}, each: tightEach((*tight.Client).DeleteItemTemplatesSeq)},
			},
		},
		{
			name: "setup",
			line: "tight.InvoicingSetup (read only)",
			key:  "none: one setup per user",
			verbs: []*verbDef{
				// One object, no id: list prints it.
				{name: "list", method: "GetInvoicingSetup", ops: []string{"getInvoicingSetup"}, read: tightSetupRead()},
			},
		},
	},
}

// startTightFake starts a Tight fake holding the given customers (invoices
// must name an existing customer) and returns its ClientOptions.
func startTightFake(customers []string) ([]option.Option, func(), error) {
	srv, err := tighttest.Start()
	if err != nil {
		return nil, nil, err
	}
	if len(customers) > 0 {
		if err := seedTightCustomers(srv, customers); err != nil {
			srv.Close()
			return nil, nil, err
		}
	}
	return srv.ClientOptions(), srv.Close, nil
}

// seedTightCustomers creates the customers invoices refer to, through the
// facade itself, so the fake's upsert-by-id keeps their ids.
func seedTightCustomers(srv *tighttest.Server, ids []string) error {
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		return err
	}
	items := make([]tight.CustomerInput, len(ids))
	for i, id := range ids {
		items[i] = tight.CustomerInput{Id: &id, Name: ptr("Customer " + id)}
	}
	for _, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			return fmt.Errorf("seeding the fake with customer %s: %w", ids[r.Index], r.Err)
		}
	}
	return nil
}

// The Tight facade's default create key counts identical items within one
// call, which a resume (a call over part of the input) would count
// differently; the CLI gives its own key instead, a hash of the line's
// bytes and number (see createKey): the same for a re-run or a resume of
// the same file, and nothing remembered per line.
func tightCustomerKeys(key func(index int) string) []option.RequestOption {
	return []option.RequestOption{tight.WithCreateKey(func(i int, _ tight.CustomerInput) string { return key(i) })}
}

func tightInvoiceKeys(key func(index int) string) []option.RequestOption {
	return []option.RequestOption{tight.WithInvoiceCreateKey(func(i int, _ tight.InvoiceInput) string { return key(i) })}
}

func tightCustomersJob(f *pushFlags) (pushJob, error) {
	return &typedJob[tight.CustomerInput, tight.Customer]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[tight.CustomerInput],
		validate: tight.ValidateCustomer,
		keyOpts:  tightCustomerKeys,
		// A Tight line without an id creates: it has no natural key.
		naturalKeys: func(it tight.CustomerInput) []itemKey { return keyOf("id", it.Id) },
		client: func(opts []option.Option) (sendFunc[tight.CustomerInput, tight.Customer], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.SaveCustomersSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startTightFake(nil) },
	}, nil
}

func tightInvoicesJob(f *pushFlags) (pushJob, error) {
	var seeds customerSet
	j := &typedJob[tight.InvoiceInput, tight.Invoice]{
		fields:      fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:      strictDecode[tight.InvoiceInput],
		validate:    tight.ValidateInvoice,
		keyOpts:     tightInvoiceKeys,
		naturalKeys: func(it tight.InvoiceInput) []itemKey { return keyOf("id", it.Id) },
		client: func(opts []option.Option) (sendFunc[tight.InvoiceInput, tight.Invoice], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.SaveInvoicesSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startTightFake(seeds.ids) },
	}
	if f.fake {
		j.collect = func(it tight.InvoiceInput) {
			if it.CustomerId != nil {
				seeds.add(*it.CustomerId)
			}
		}
	}
	return j, nil
}

func tightPaymentKeys(key func(index int) string) []option.RequestOption {
	return []option.RequestOption{tight.WithPaymentCreateKey(func(i int, _ tight.PaymentInput) string { return key(i) })}
}

// tightPaymentsJob is "push tight payments". With --fake, the customers the
// payments name are seeded; invoices cannot be (push them first to a
// running "billbridge fake tight").
func tightPaymentsJob(f *pushFlags) (pushJob, error) {
	var seeds customerSet
	j := &typedJob[tight.PaymentInput, tight.Payment]{
		fields:      fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:      strictDecode[tight.PaymentInput],
		validate:    tight.ValidatePayment,
		keyOpts:     tightPaymentKeys,
		naturalKeys: func(it tight.PaymentInput) []itemKey { return keyOf("id", it.Id) },
		client: func(opts []option.Option) (sendFunc[tight.PaymentInput, tight.Payment], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.SavePaymentsSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startTightFake(seeds.ids) },
	}
	if f.fake {
		j.collect = func(it tight.PaymentInput) {
			if it.CustomerId != nil {
				seeds.add(*it.CustomerId)
			}
		}
	}
	return j, nil
}

// tightItemTemplatesJob is "push tight item-templates": creates carry no
// create key (see SaveItemTemplates), so a lost answer stays unknown.
func tightItemTemplatesJob(f *pushFlags) (pushJob, error) {
	return &typedJob[tight.ItemTemplateInput, tight.ItemTemplate]{
		fields:      fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:      strictDecode[tight.ItemTemplateInput],
		validate:    tight.ValidateItemTemplate,
		naturalKeys: func(it tight.ItemTemplateInput) []itemKey { return keyOf("id", it.Id) },
		client: func(opts []option.Option) (sendFunc[tight.ItemTemplateInput, tight.ItemTemplate], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.SaveItemTemplatesSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startTightFake(nil) },
	}, nil
}

// tightSyncJob is "sync tight customers": push's job keyed by the field
// --key names instead of a create key.
func tightSyncJob(f *pushFlags) (pushJob, error) {
	if f.key == "" {
		return nil, usagef("sync tight customers needs --key FIELD (e.g. --key email or --key customData.crm_id): Tight has no unique field of its own, and push's create key, a hash of the line, finds a re-run of the same line but never an edited one")
	}
	job, err := tightCustomersJob(f)
	if err != nil {
		return nil, err
	}
	j := job.(*typedJob[tight.CustomerInput, tight.Customer])
	path := strings.ReplaceAll(f.key, ".", "/")
	j.keyOpts = nil // the key field, not a create key, finds the customer
	j.naturalKeys = func(it tight.CustomerInput) []itemKey {
		if k, ok := engine.FieldValue(it, path); ok {
			return []itemKey{{f.key, k}}
		}
		return nil
	}
	j.canSettle = func(it tight.CustomerInput) bool { return len(j.naturalKeys(it)) > 0 }
	j.addOptions(tight.WithKeyField(f.key))
	return j, nil
}

// tightEach is a verb over ids through a Tight batch method (delete).
func tightEach(method func(*tight.Client, context.Context, iter.Seq[string], ...option.RequestOption) iter.Seq[billbridge.Result[string]]) eachFunc {
	return func(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
		c, err := tight.New(opts...)
		if err != nil {
			return nil, nil, err
		}
		return method(c, ctx, ids), c.Counts, nil
	}
}

// tightSendInvoices is "send tight invoices": SendInvoicesSeq, sending no
// type (Tight's default), one result per id.
func tightSendInvoices(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
	c, err := tight.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	items := func(yield func(tight.SendInvoice) bool) {
		for id := range ids {
			if !yield(tight.SendInvoice{ID: id}) {
				return
			}
		}
	}
	results := func(yield func(billbridge.Result[string]) bool) {
		for r := range c.SendInvoicesSeq(ctx, items) {
			out := billbridge.Result[string]{Index: r.Index, ID: r.ID, Value: r.ID, Err: r.Err, Status: r.Status,
				RequestID: r.RequestID, Attempts: r.Attempts, Existing: r.Existing}
			if !yield(out) {
				return
			}
		}
	}
	return results, c.Counts, nil
}

// Tight's pairs of "list" and "get": customers (POST /v6/customers/query,
// GET /v6/customers/{id}) and invoices (POST /v6/invoicing/invoices/query).
// Tight documents no read of one invoice, so "get tight invoices <id>" walks
// the invoice query (pages of 250) until it meets the id: one request per
// 250 invoices. --filter name~=value and email~=value are Tight's contain
// (name=value too: Tight's customer names are matched by contain).
func tightCustomersRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"name":   "customers whose name contains the value (Tight's contain; the fake ignores case)",
			"name~":  "the same: name contains the value (--filter name~=acme)",
			"email":  "customers with exactly this e-mail address (Tight's equal)",
			"email~": "customers whose e-mail address contains the value (Tight's contain)",
			"status": "customers with one of these statuses, comma-separated (e.g. ACTIVE)",
		},
		maxPageSize: tight.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			q := tight.CustomerQuery{PageSize: pageSize}
			if v, ok := filters["name"]; ok {
				q.Name = tight.Contain(v)
			}
			if v, ok := filters["name~"]; ok {
				if q.Name != nil {
					return nil, nil, usagef("--filter name and name~ are one filter (contains): give one")
				}
				q.Name = tight.Contain(v)
			}
			if v, ok := filters["email"]; ok {
				q.Email = tight.Equal(v)
			}
			if v, ok := filters["email~"]; ok {
				if q.Email != nil {
					return nil, nil, usagef("--filter email (equals) and email~ (contains): give one")
				}
				q.Email = tight.Contain(v)
			}
			if v, ok := filters["status"]; ok {
				q.Status = tight.StatusIn(tightSplitList(v)...)
			}
			return tightAnySeq(c.ListCustomers(ctx, q)), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, err
			}
			return c.GetCustomer(ctx, id)
		},
	}
}

func tightInvoicesRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"search": "Tight's free-text search (the fake: name, notes, number, customer name and e-mail)",
			"status": "invoices in one of these states (invoiceStatus), comma-separated (e.g. OPEN,DRAFT)",
			"name":   "invoices whose name contains the value",
			"name~":  "the same: name contains the value (--filter name~=march)",
		},
		maxPageSize: tight.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			q := tight.InvoiceQuery{PageSize: pageSize, Search: filters["search"]}
			if v, ok := filters["status"]; ok {
				q.InvoiceStatus = tight.InvoiceStatusIn(tightSplitList(v)...)
			}
			for _, k := range []string{"name", "name~"} {
				if v, ok := filters[k]; ok {
					if q.Name != nil {
						return nil, nil, usagef("--filter name and name~ are one filter (contains): give one")
					}
					q.Name = tight.Contain(v)
				}
			}
			return tightAnySeq(c.ListInvoices(ctx, q)), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, err
			}
			for inv, err := range c.ListInvoices(ctx, tight.InvoiceQuery{PageSize: tight.MaxPageSize}) {
				if err != nil {
					return nil, err
				}
				if inv.Id == id {
					return inv, nil
				}
			}
			return nil, &billbridge.APIError{Provider: tight.Provider, Operation: "queryInvoices",
				Message: "no invoice with id " + id, Err: billbridge.ErrNotFound}
		},
	}
}

// tightPaymentsRead is "list tight payments" (POST /v6/payments/query) and
// "get tight payments <id>" (GET /v6/payments/{id}).
func tightPaymentsRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"search":       "Tight's free-text search (the fake: description and notes)",
			"description":  "payments whose description is exactly the value (Tight's equal)",
			"description~": "payments whose description contains the value (Tight's contain)",
			"bankAccount":  "payments of one of these bank accounts, comma-separated ids",
		},
		maxPageSize: tight.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			q := tight.PaymentQuery{PageSize: pageSize, Search: filters["search"]}
			if v, ok := filters["description"]; ok {
				q.Description = tight.Equal(v)
			}
			if v, ok := filters["description~"]; ok {
				if q.Description != nil {
					return nil, nil, usagef("--filter description (equals) and description~ (contains): give one")
				}
				q.Description = tight.Contain(v)
			}
			if v, ok := filters["bankAccount"]; ok {
				q.BankAccountIDs = tightSplitList(v)
			}
			return tightAnySeq(c.ListPayments(ctx, q)), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, err
			}
			return c.GetPayment(ctx, id)
		},
	}
}

// tightSetupRead is "list tight setup": the one invoicing setup (GET
// /v6/invoicing/setup) as a list of one.
func tightSetupRead() *readPair {
	return &readPair{
		list: func(ctx context.Context, opts []option.Option, _ map[string]string, _ int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := tight.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return func(yield func(any, error) bool) {
				s, err := c.GetInvoicingSetup(ctx)
				if err != nil {
					yield(nil, err)
					return
				}
				yield(s, nil)
			}, c.Counts, nil
		},
	}
}

// tightSplitList splits a comma-separated filter value, dropping empty parts.
func tightSplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tightAnySeq yields a typed walk's entities as any, for the JSON encoder.
func tightAnySeq[T any](seq iter.Seq2[T, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}
