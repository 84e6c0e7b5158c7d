package main

import (
	"context"

	"github.com/billbridge/billbridge"
	"iter"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/option"
)

// ChargeOver's billing resources in the registry (beyond customers):
// invoices, transactions and items. Each is pushed and synced by its
// natural key, listed with --filter, and read by id or external_key:<key>.

// chargeoverBilling are the resources of this file, in the registry's order
// (a new resource is added here, not in registry_chargeover.go).
var chargeoverBilling = []*resourceDef{chargeoverInvoices, chargeoverTransactions, chargeoverItems}

// chargeoverFilter is one --filter name of a ChargeOver list: the field of
// the read schema and the operator.
type chargeoverFilter struct {
	field string
	op    chargeover.Operator
	about string
}

// chargeoverInvoiceFilters are the --filter names of "chargeover invoices".
var chargeoverInvoiceFilters = map[string]chargeoverFilter{
	"customer_id":  {"customer_id", chargeover.Equals, "invoices of this customer_id"},
	"external_key": {"external_key", chargeover.Equals, "external_key equals the value"},
	"status":       {"invoice_status_str", chargeover.Equals, "invoice_status_str (open-unpaid, closed-paid, closed-void, ...)"},
	"date":         {"date", chargeover.Equals, "invoice date (YYYY-MM-DD) equals the value"},
}

// chargeoverInvoices is the "chargeover invoices" resource: lines in the
// shape of createInvoice, naming their customer by customer_id or, for data
// synced from elsewhere, customer_external_key.
var chargeoverInvoices = &resourceDef{
	name: "invoices",
	line: "chargeover.InvoiceCreate",
	key:  "external_key",
	verbs: []*verbDef{
		{name: "push", method: "CreateInvoicesSeq", ops: []string{"createInvoice"}, job: chargeoverInvoicesJob},
		// sync upserts: an invoice found with other data is updated (updateInvoice).
		{name: "sync", method: "CreateInvoicesSeq (by external_key; upsert: UpdateInvoices)", ops: []string{"updateInvoice"}, job: chargeoverInvoicesJob},
		{name: "list", method: "ListInvoices", ops: []string{"listInvoices"}, read: chargeoverInvoiceRead()},
		{name: "get", method: "GetInvoice, GetInvoiceByExternalKey", ops: []string{"getInvoice"}, read: chargeoverInvoiceRead()},
		// invoiceAction is one operation for void, email and pay.
		{name: "send", method: "EmailInvoicesSeq", each: chargeoverInvoiceEach(func(c *chargeover.Client, ctx context.Context, ids iter.Seq[int64]) iter.Seq[billbridge.Result[bool]] {
			return c.EmailInvoicesSeq(ctx, mapSeq(ids, func(id int64) chargeover.InvoiceEmail { return chargeover.InvoiceEmail{ID: id} }))
		})},
		{name: "void", method: "VoidInvoicesSeq", ops: []string{"invoiceAction"}, each: chargeoverInvoiceEach(func(c *chargeover.Client, ctx context.Context, ids iter.Seq[int64]) iter.Seq[billbridge.Result[bool]] {
			return c.VoidInvoicesSeq(ctx, ids)
		})},
		{name: "pay", method: "PayInvoicesSeq", each: chargeoverInvoiceEach(func(c *chargeover.Client, ctx context.Context, ids iter.Seq[int64]) iter.Seq[billbridge.Result[bool]] {
			return c.PayInvoicesSeq(ctx, mapSeq(ids, func(id int64) chargeover.InvoicePayment { return chargeover.InvoicePayment{ID: id} }))
		})},
	},
}

// mapSeq applies f to every value of seq.
func mapSeq[A, B any](seq iter.Seq[A], f func(A) B) iter.Seq[B] {
	return func(yield func(B) bool) {
		for a := range seq {
			if !yield(f(a)) {
				return
			}
		}
	}
}

// chargeoverInvoiceEach turns an invoice action over invoice_ids into a
// verb over ids: an id that is not a number is passed on as 0, which the
// facade refuses before sending, and reported as not a number.
func chargeoverInvoiceEach(run func(c *chargeover.Client, ctx context.Context, ids iter.Seq[int64]) iter.Seq[billbridge.Result[bool]]) eachFunc {
	return func(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
		c, err := chargeover.New(opts...)
		if err != nil {
			return nil, nil, err
		}
		// Positions of ids that are not numbers: written where the ids are
		// read, read where the results come back (another goroutine).
		var mu sync.Mutex
		bad := map[int]bool{}
		i := 0
		numbers := mapSeq(ids, func(id string) int64 {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				mu.Lock()
				bad[i] = true
				mu.Unlock()
				n = 0
			}
			i++
			return n
		})
		results := func(yield func(billbridge.Result[string]) bool) {
			for r := range run(c, ctx, numbers) {
				out := billbridge.Result[string]{Index: r.Index, ID: r.ID, Err: r.Err, Status: r.Status, RequestID: r.RequestID, Attempts: r.Attempts}
				if r.Err == nil {
					out.Value = strconv.FormatBool(r.Value)
				}
				mu.Lock()
				notNumber := bad[r.Index]
				mu.Unlock()
				if notNumber {
					out.Err = &billbridge.ValidationError{Index: r.Index, Field: "invoice_id", Reason: "not a number"}
				}
				if !yield(out) {
					return
				}
			}
		}
		return results, c.Counts, nil
	}
}

func chargeoverInvoicesJob(f *pushFlags) (pushJob, error) {
	if f.key != "" && f.key != "external_key" {
		return nil, usagef("--key %s: ChargeOver invoices are keyed by external_key", f.key)
	}
	var seeds customerSet
	j := &typedJob[chargeover.InvoiceCreate, int64]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[chargeover.InvoiceCreate],
		validate: chargeover.ValidateInvoice,
		client: func(opts []option.Option) (sendFunc[chargeover.InvoiceCreate, int64], func() (int64, int64), error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateInvoicesSeq, c.Counts, nil
		},
		// --fake: the customers the lines name by external key exist.
		collect: func(it chargeover.InvoiceCreate) {
			if it.CustomerExternalKey != nil {
				seeds.add(*it.CustomerExternalKey)
			}
		},
		startFake:   func() ([]option.Option, func(), error) { return startChargeOverFake(seeds.ids) },
		canSettle:   func(it chargeover.InvoiceCreate) bool { return it.ExternalKey != nil && *it.ExternalKey != "" },
		naturalKeys: func(it chargeover.InvoiceCreate) []itemKey { return keyOf("external_key", it.ExternalKey) },
	}
	return j, nil
}

// chargeoverReadPair is the list and get of a ChargeOver resource: list
// turns the --filter flags into conditions and walks the facade's list; get
// takes an id, or external_key:<key> (byKey nil: ids only).
func chargeoverReadPair[E any](filters map[string]chargeoverFilter, noun string,
	list func(c *chargeover.Client, ctx context.Context, where []chargeover.Condition, pageSize int) iter.Seq2[E, error],
	byID func(c *chargeover.Client, ctx context.Context, id int64) (*E, error),
	byKey func(c *chargeover.Client, ctx context.Context, key string) (*E, error)) *readPair {
	about := make(map[string]string, len(filters))
	for name, f := range filters {
		about[name] = f.about
	}
	return &readPair{
		filters:     about,
		maxPageSize: chargeover.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, given map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			names := make([]string, 0, len(given))
			for name := range given {
				names = append(names, name)
			}
			sort.Strings(names) // a stable where, whatever the map order
			var where []chargeover.Condition
			for _, name := range names {
				f := filters[name]
				where = append(where, chargeover.Condition{Field: f.field, Op: f.op, Value: given[name]})
			}
			seq := func(yield func(any, error) bool) {
				for e, err := range list(c, ctx, where, pageSize) {
					if !yield(e, err) {
						return
					}
				}
			}
			return seq, c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, usagef("%v", err) // no host or no credentials: exit 2, as push
			}
			if key, ok := strings.CutPrefix(id, "external_key:"); ok && byKey != nil {
				return byKey(c, ctx, key)
			}
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n < 1 {
				hint := ""
				if byKey != nil {
					hint = " or external_key:<key>"
				}
				return nil, usagef("chargeover %ss: %q is not a %s_id (a positive integer)%s", noun, id, noun, hint)
			}
			return byID(c, ctx, n)
		},
	}
}

func chargeoverInvoiceRead() *readPair {
	return chargeoverReadPair(chargeoverInvoiceFilters, "invoice",
		func(c *chargeover.Client, ctx context.Context, where []chargeover.Condition, pageSize int) iter.Seq2[chargeover.Invoice, error] {
			return c.ListInvoices(ctx, chargeover.InvoiceQuery{Where: where, PageSize: pageSize})
		},
		func(c *chargeover.Client, ctx context.Context, id int64) (*chargeover.Invoice, error) {
			return c.GetInvoice(ctx, id)
		},
		func(c *chargeover.Client, ctx context.Context, key string) (*chargeover.Invoice, error) {
			return c.GetInvoiceByExternalKey(ctx, key)
		})
}

// chargeoverTransactionFilters are the --filter names of "chargeover
// transactions".
var chargeoverTransactionFilters = map[string]chargeoverFilter{
	"customer_id":     {"customer_id", chargeover.Equals, "transactions of this customer_id"},
	"gateway_transid": {"gateway_transid", chargeover.Equals, "the gateway's transaction id equals the value"},
	"type":            {"transaction_type", chargeover.Equals, "pay, refund or credit"},
}

// chargeoverTransactions is the "chargeover transactions" resource:
// payments, refunds and credits in the shape of createTransaction, keyed by
// gateway_transid (the only key a transaction has: lines without it whose
// answer is lost stay outcome_unknown and are never re-sent).
var chargeoverTransactions = &resourceDef{
	name: "transactions",
	line: "chargeover.TransactionCreate",
	key:  "gateway_transid",
	verbs: []*verbDef{
		{name: "push", method: "CreateTransactionsSeq", ops: []string{"createTransaction"}, job: chargeoverTransactionsJob},
		{name: "sync", method: "CreateTransactionsSeq (by gateway_transid)", job: chargeoverTransactionsJob},
		{name: "list", method: "ListTransactions", ops: []string{"listTransactions"}, read: chargeoverTransactionRead()},
		{name: "get", method: "GetTransaction", ops: []string{"getTransaction"}, read: chargeoverTransactionRead()},
	},
}

func chargeoverTransactionsJob(f *pushFlags) (pushJob, error) {
	if f.key != "" && f.key != "gateway_transid" {
		return nil, usagef("--key %s: ChargeOver transactions are keyed by gateway_transid", f.key)
	}
	var seeds customerSet
	return &typedJob[chargeover.TransactionCreate, int64]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[chargeover.TransactionCreate],
		validate: chargeover.ValidateTransaction,
		client: func(opts []option.Option) (sendFunc[chargeover.TransactionCreate, int64], func() (int64, int64), error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateTransactionsSeq, c.Counts, nil
		},
		collect: func(it chargeover.TransactionCreate) {
			if it.CustomerExternalKey != nil {
				seeds.add(*it.CustomerExternalKey)
			}
		},
		startFake: func() ([]option.Option, func(), error) { return startChargeOverFake(seeds.ids) },
		canSettle: func(it chargeover.TransactionCreate) bool {
			return it.GatewayTransid != nil && *it.GatewayTransid != ""
		},
		naturalKeys: func(it chargeover.TransactionCreate) []itemKey { return keyOf("gateway_transid", it.GatewayTransid) },
	}, nil
}

func chargeoverTransactionRead() *readPair {
	return chargeoverReadPair(chargeoverTransactionFilters, "transaction",
		func(c *chargeover.Client, ctx context.Context, where []chargeover.Condition, pageSize int) iter.Seq2[chargeover.Transaction, error] {
			return c.ListTransactions(ctx, chargeover.TransactionQuery{Where: where, PageSize: pageSize})
		},
		func(c *chargeover.Client, ctx context.Context, id int64) (*chargeover.Transaction, error) {
			return c.GetTransaction(ctx, id)
		},
		nil)
}

// chargeoverItemFilters are the --filter names of "chargeover items".
var chargeoverItemFilters = map[string]chargeoverFilter{
	"external_key": {"external_key", chargeover.Equals, "external_key equals the value"},
	"name":         {"name", chargeover.Equals, "item name equals the value"},
	"name~":        {"name", chargeover.Contains, "item name contains the value"},
	"type":         {"item_type", chargeover.Equals, "service, product or discount"},
}

// chargeoverItems is the "chargeover items" resource, keyed by
// external_key.
var chargeoverItems = &resourceDef{
	name: "items",
	line: "chargeover.ItemCreate",
	key:  "external_key",
	verbs: []*verbDef{
		{name: "push", method: "CreateItemsSeq", ops: []string{"createItem"}, job: chargeoverItemsJob},
		{name: "sync", method: "CreateItemsSeq (by external_key)", job: chargeoverItemsJob},
		{name: "list", method: "ListItems", ops: []string{"listItems"}, read: chargeoverItemRead()},
		{name: "get", method: "GetItem, GetItemByExternalKey", ops: []string{"getItem"}, read: chargeoverItemRead()},
	},
}

func chargeoverItemsJob(f *pushFlags) (pushJob, error) {
	if f.key != "" && f.key != "external_key" {
		return nil, usagef("--key %s: ChargeOver items are keyed by external_key", f.key)
	}
	return &typedJob[chargeover.ItemCreate, int64]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[chargeover.ItemCreate],
		validate: chargeover.ValidateItem,
		client: func(opts []option.Option) (sendFunc[chargeover.ItemCreate, int64], func() (int64, int64), error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateItemsSeq, c.Counts, nil
		},
		startFake:   func() ([]option.Option, func(), error) { return startChargeOverFake(nil) },
		canSettle:   func(it chargeover.ItemCreate) bool { return it.ExternalKey != nil && *it.ExternalKey != "" },
		naturalKeys: func(it chargeover.ItemCreate) []itemKey { return keyOf("external_key", it.ExternalKey) },
	}, nil
}

func chargeoverItemRead() *readPair {
	return chargeoverReadPair(chargeoverItemFilters, "item",
		func(c *chargeover.Client, ctx context.Context, where []chargeover.Condition, pageSize int) iter.Seq2[chargeover.Item, error] {
			return c.ListItems(ctx, chargeover.ItemQuery{Where: where, PageSize: pageSize})
		},
		func(c *chargeover.Client, ctx context.Context, id int64) (*chargeover.Item, error) {
			return c.GetItem(ctx, id)
		},
		func(c *chargeover.Client, ctx context.Context, key string) (*chargeover.Item, error) {
			return c.GetItemByExternalKey(ctx, key)
		})
}
