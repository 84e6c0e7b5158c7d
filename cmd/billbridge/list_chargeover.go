package main

import (
	"context"
	"iter"
	"sort"
	"strconv"
	"strings"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/option"
)

// chargeoverFilters maps the --filter names of "chargeover customers" to a
// customer field and an operator: "name=value" is EQUALS, "name~=value"
// (the flag's field is "name~") is CONTAINS (ChargeOver: strings
// containing the value; the fake ignores case there).
var chargeoverFilters = map[string]struct {
	field string
	op    chargeover.Operator
	about string
}{
	"company":       {"company", chargeover.Equals, "company name equals the value"},
	"company~":      {"company", chargeover.Contains, "company name contains the value (--filter company~=acme)"},
	"external_key":  {"external_key", chargeover.Equals, "external_key equals the value"},
	"external_key~": {"external_key", chargeover.Contains, "external_key contains the value"},
	"email":         {"superuser_email", chargeover.Equals, "main contact e-mail (superuser_email) equals the value"},
	"email~":        {"superuser_email", chargeover.Contains, "main contact e-mail (superuser_email) contains the value"},
	"city":          {"bill_city", chargeover.Equals, "billing city equals the value"},
}

func init() {
	filters := make(map[string]string, len(chargeoverFilters))
	for name, f := range chargeoverFilters {
		filters[name] = f.about
	}
	readPairs["chargeover customers"] = readPair{
		filters:     filters,
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
			q := chargeover.CustomerQuery{PageSize: pageSize}
			for _, name := range names {
				f := chargeoverFilters[name]
				q.Where = append(q.Where, chargeover.Condition{Field: f.field, Op: f.op, Value: given[name]})
			}
			seq := func(yield func(any, error) bool) {
				for cust, err := range c.ListCustomers(ctx, q) {
					if !yield(cust, err) {
						return
					}
				}
			}
			return seq, c.Counts, nil
		},
		// get takes a customer_id, or external_key:<key> as ChargeOver's own
		// URLs write it.
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, usagef("%v", err) // no host or no credentials: exit 2, as push
			}
			if key, ok := strings.CutPrefix(id, "external_key:"); ok {
				return c.GetCustomerByExternalKey(ctx, key)
			}
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n < 1 {
				return nil, usagef("chargeover customers: %q is not a customer_id (a positive integer) or external_key:<key>", id)
			}
			return c.GetCustomer(ctx, n)
		},
		fake: func() ([]option.Option, func(), error) {
			srv, err := chargeovertest.Start()
			if err != nil {
				return nil, nil, err
			}
			return []option.Option{option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, srv.Password)}, srv.Close, nil
		},
	}
}
