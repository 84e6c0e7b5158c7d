package main

import (
	"context"
	"iter"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// Tight's pairs of "list" and "get": customers (POST /v6/customers/query,
// GET /v6/customers/{id}) and invoices (POST /v6/invoicing/invoices/query).
// Tight documents no read of one invoice, so "get tight invoices <id>" walks
// the invoice query (pages of 250) until it meets the id: one request per
// 250 invoices.
func init() {
	readPairs["tight customers"] = readPair{
		filters: map[string]string{
			"name":   "customers whose name contains the value (Tight's contain; the fake ignores case)",
			"email":  "customers with exactly this e-mail address (Tight's equal)",
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
			if v, ok := filters["email"]; ok {
				q.Email = tight.Equal(v)
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
		fake: func() ([]option.Option, func(), error) { return startTightFake() },
	}
	readPairs["tight invoices"] = readPair{
		filters: map[string]string{
			"search": "Tight's free-text search (the fake: name, notes, number, customer name and e-mail)",
			"status": "invoices in one of these states (invoiceStatus), comma-separated (e.g. OPEN,DRAFT)",
			"name":   "invoices whose name contains the value",
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
			if v, ok := filters["name"]; ok {
				q.Name = tight.Contain(v)
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
		fake: func() ([]option.Option, func(), error) { return startTightFake() },
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
