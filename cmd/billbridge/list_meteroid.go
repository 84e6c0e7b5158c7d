package main

import (
	"context"
	"fmt"
	"iter"
	"strconv"

	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// The Meteroid pair of "billbridge list" and "get": customers, listed with
// Meteroid's search and archived filters, read by id (cus_…) or alias.
func init() {
	readPairs["meteroid customers"] = readPair{
		filters: map[string]string{
			"search":   "customers whose name, alias or e-mail contains the text",
			"archived": "true: only archived customers; false (the default): only the others",
		},
		maxPageSize: meteroid.MaxPageSize,
		list:        listMeteroidCustomers,
		get: func(ctx context.Context, opts []option.Option, idOrAlias string) (any, error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, err
			}
			return c.GetCustomer(ctx, idOrAlias)
		},
		fake: func() ([]option.Option, func(), error) {
			srv, err := meteroidtest.Start() // empty: no seeded customers
			if err != nil {
				return nil, nil, err
			}
			return []option.Option{option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey)}, srv.Close, nil
		},
	}
}

func listMeteroidCustomers(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
	q := meteroid.CustomerQuery{Search: filters["search"], PageSize: pageSize}
	if v, ok := filters["archived"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, nil, fmt.Errorf("--filter archived=%s: want true or false", v)
		}
		q.Archived = &b
	}
	c, err := meteroid.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	seq := func(yield func(any, error) bool) {
		for cust, err := range c.ListCustomers(ctx, q) {
			if !yield(cust, err) {
				return
			}
		}
	}
	return seq, c.Counts, nil
}
