package main

import (
	"context"
	"github.com/billbridge/billbridge"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

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

// chargeoverProvider is ChargeOver in the registry: customers and the
// billing resources of registry_chargeover_billing.go, on one host per
// account (--site NAME is https://NAME.chargeover.com).
var chargeoverProvider = &providerDef{
	name:      "chargeover",
	siteURL:   chargeoverSiteURL,
	needsHost: true,
	hostEnv:   chargeover.EnvBaseURL,
	fake:      startChargeOverFake,
	resources: append([]*resourceDef{{
		name: "customers",
		line: "chargeover.CustomerCreate",
		key:  "external_key",
		verbs: []*verbDef{
			// createCustomer for one item at a time, bulk (_bulk) for batches.
			{name: "push", method: "CreateCustomersSeq", ops: []string{"createCustomer", "bulk"}, job: chargeoverCustomersJob},
			{name: "sync", method: "CreateCustomersSeq (upsert by external_key)", job: chargeoverSyncJob},
			{name: "list", method: "ListCustomers", ops: []string{"listCustomers"}, read: chargeoverRead()},
			// get takes a customer_id, or external_key:<key>.
			{name: "get", method: "GetCustomer, GetCustomerByExternalKey", ops: []string{"getCustomer", "getCustomerByExternalKey"}, read: chargeoverRead()},
			{name: "delete", method: "DeleteCustomersSeq", ops: []string{"deleteCustomer"}, each: chargeoverDelete},
		},
	}}, chargeoverBilling...),
}

// chargeoverSiteURL is the one site-to-URL rule: --site NAME is
// https://NAME.chargeover.com.
func chargeoverSiteURL(site string) (string, error) {
	if err := chargeover.CheckSite(site); err != nil {
		return "", err
	}
	return "https://" + site + ".chargeover.com", nil
}

// startChargeOverFake starts a ChargeOver fake holding a customer for each
// external key in seeds (what invoice lines name by customer_external_key)
// and returns its ClientOptions.
func startChargeOverFake(seeds []string) ([]option.Option, func(), error) {
	customers := make([]chargeover.CustomerCreate, len(seeds))
	for i, key := range seeds {
		customers[i] = chargeover.CustomerCreate{Company: key, ExternalKey: ptr(key)}
	}
	srv, err := chargeovertest.Start(chargeovertest.WithCustomers(customers...))
	if err != nil {
		return nil, nil, err
	}
	return srv.ClientOptions(), srv.Close, nil
}

func chargeoverCustomersJob(f *pushFlags) (pushJob, error) {
	return &typedJob[chargeover.CustomerCreate, int64]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[chargeover.CustomerCreate],
		validate: chargeover.ValidateCustomer,
		client: func(opts []option.Option) (sendFunc[chargeover.CustomerCreate, int64], func() (int64, int64), error) {
			c, err := chargeover.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateCustomersSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startChargeOverFake(nil) },
		// A create is found again only by its external_key.
		canSettle:   func(it chargeover.CustomerCreate) bool { return it.ExternalKey != nil && *it.ExternalKey != "" },
		naturalKeys: func(it chargeover.CustomerCreate) []itemKey { return keyOf("external_key", it.ExternalKey) },
	}, nil
}

func chargeoverSyncJob(f *pushFlags) (pushJob, error) {
	if f.key != "" && f.key != "external_key" {
		return nil, usagef("--key %s: ChargeOver customers are keyed by external_key (the only field ChargeOver keeps unique)", f.key)
	}
	return chargeoverCustomersJob(f)
}

func chargeoverRead() *readPair {
	filters := make(map[string]string, len(chargeoverFilters))
	for name, f := range chargeoverFilters {
		filters[name] = f.about
	}
	return &readPair{
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
	}
}

// chargeoverDelete is "delete chargeover customers": DeleteCustomersSeq by
// customer_id. An id that is not a number fails alone, naming it, and is
// not sent (the facade refuses ids below 1 the same way).
func chargeoverDelete(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
	c, err := chargeover.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	// Positions of ids that are not numbers: written where the ids are
	// read, read where the results come back (another goroutine).
	var mu sync.Mutex
	var bad []int
	numbers := func(yield func(int64) bool) {
		i := 0
		for id := range ids {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				mu.Lock()
				bad = append(bad, i)
				mu.Unlock()
				n = 0 // refused by the facade's check before sending
			}
			i++
			if !yield(n) {
				return
			}
		}
	}
	results := func(yield func(billbridge.Result[string]) bool) {
		for r := range c.DeleteCustomersSeq(ctx, numbers) {
			out := billbridge.Result[string]{Index: r.Index, ID: r.ID, Err: r.Err, Status: r.Status, RequestID: r.RequestID,
				Attempts: r.Attempts, AlreadyGone: r.AlreadyGone}
			if r.Err == nil {
				out.Value = strconv.FormatInt(r.Value, 10)
			}
			mu.Lock()
			notNumber := slices.Contains(bad, r.Index)
			mu.Unlock()
			if notNumber {
				out.Err = &billbridge.ValidationError{Index: r.Index, Field: "customer_id", Reason: "not a number"}
			}
			if !yield(out) {
				return
			}
		}
	}
	return results, c.Counts, nil
}
