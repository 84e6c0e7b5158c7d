package main

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// meteroidProvider is Meteroid in the registry: customers, named by id
// (cus_…) or alias; usage events; usage.
var meteroidProvider = &providerDef{
	name: "meteroid",
	fake: startMeteroidFake,
	resources: []*resourceDef{{
		name: "customers",
		line: "meteroid.CustomerPatch + id_or_alias (push); meteroid.CustomerCreate (sync)",
		key:  "id_or_alias or alias (one namespace); sync: alias",
		verbs: []*verbDef{
			{name: "push", method: "PatchCustomersSeq", ops: []string{"patchCustomer"}, job: meteroidPatchJob},
			{name: "sync", method: "CreateCustomersSeq (upsert by alias)", ops: []string{"createCustomer"}, job: meteroidSyncJob},
			{name: "list", method: "ListCustomers", ops: []string{"listCustomers"}, read: meteroidRead()},
			{name: "get", method: "GetCustomer", ops: []string{"getCustomer"}, read: meteroidRead()},
			{name: "archive", method: "ArchiveCustomersSeq", ops: []string{"archiveCustomer"}, each: meteroidEach((*meteroid.Client).ArchiveCustomersSeq)},
			{name: "unarchive", method: "UnarchiveCustomersSeq", ops: []string{"unarchiveCustomer"}, each: meteroidEach((*meteroid.Client).UnarchiveCustomersSeq)},
		},
	}, meteroidEventsResource, meteroidUsageResource},
}

// meteroidPatchJob is "push meteroid customers": patches by id or alias.
func meteroidPatchJob(f *pushFlags) (pushJob, error) {
	var seeds customerSet
	j := &typedJob[meteroid.CustomerUpdate, meteroid.Customer]{
		shape:    reflect.TypeFor[meteroidLine](),
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   decodeMeteroidUpdate,
		validate: meteroid.ValidateCustomerUpdate,
		naturalKeys: func(u meteroid.CustomerUpdate) []itemKey {
			return append([]itemKey{{"id_or_alias", u.IDOrAlias}}, keyOf("alias", u.Patch.Alias)...)
		},
		client: func(opts []option.Option) (sendFunc[meteroid.CustomerUpdate, meteroid.Customer], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.PatchCustomersSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(seeds.ids) },
	}
	if f.fake {
		j.collect = func(u meteroid.CustomerUpdate) { seeds.add(u.IDOrAlias) }
	}
	return j, nil
}

// meteroidSyncJob is "sync meteroid customers": creates keyed by alias.
func meteroidSyncJob(f *pushFlags) (pushJob, error) {
	if f.key != "" && f.key != "alias" {
		return nil, usagef("--key %s: Meteroid customers are keyed by alias (the only field Meteroid keeps unique)", f.key)
	}
	return &typedJob[meteroid.CustomerCreate, meteroid.Customer]{
		fields:      fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:      strictDecode[meteroid.CustomerCreate],
		validate:    meteroid.ValidateCustomer,
		naturalKeys: func(it meteroid.CustomerCreate) []itemKey { return keyOf("alias", it.Alias) },
		canSettle:   func(it meteroid.CustomerCreate) bool { return it.Alias != nil && *it.Alias != "" },
		client: func(opts []option.Option) (sendFunc[meteroid.CustomerCreate, meteroid.Customer], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateCustomersSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(nil) },
	}, nil
}

// meteroidEach is a verb over ids or aliases (archive, unarchive): the
// facade's method, one result per id.
func meteroidEach(method func(*meteroid.Client, context.Context, iter.Seq[string], ...option.RequestOption) iter.Seq[billbridge.Result[string]]) eachFunc {
	return func(ctx context.Context, opts []option.Option, ids iter.Seq[string]) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
		c, err := meteroid.New(opts...)
		if err != nil {
			return nil, nil, err
		}
		return method(c, ctx, ids), c.Counts, nil
	}
}

// meteroidRead is the pair of "list" and "get": customers, listed with
// Meteroid's search and archived filters, read by id (cus_…) or alias.
func meteroidRead() *readPair {
	return &readPair{
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

// meteroidLine is the shape of a Meteroid input line: the patch body and the
// customer it applies to.
type meteroidLine struct {
	IDOrAlias string `json:"id_or_alias"`
	meteroid.CustomerPatch
}

// decodeMeteroidUpdate reads a patch body with a top-level "id_or_alias". A
// line that changes nothing (only the key, nulls or dropped unknown fields)
// is refused: it would be sent as an empty PATCH and reported succeeded.
func decodeMeteroidUpdate(raw []byte) (meteroid.CustomerUpdate, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return meteroid.CustomerUpdate{}, err
	}
	var key string
	if err := json.Unmarshal(fields["id_or_alias"], &key); err != nil || strings.TrimSpace(key) == "" {
		return meteroid.CustomerUpdate{}, fmt.Errorf("field id_or_alias: required, a non-empty string naming the customer")
	}
	delete(fields, "id_or_alias")
	rest, _ := json.Marshal(fields)
	patch, err := strictDecode[meteroid.CustomerPatch](rest)
	if err != nil {
		return meteroid.CustomerUpdate{}, err
	}
	if reflect.ValueOf(patch).IsZero() {
		return meteroid.CustomerUpdate{}, fmt.Errorf("nothing to change: the line names no field of the customer besides id_or_alias")
	}
	return meteroid.CustomerUpdate{IDOrAlias: key, Patch: patch}, nil
}

// startMeteroidFake seeds the fake with the customers the updates name, so a
// push to the fake finds them.
func startMeteroidFake(idsOrAliases []string) ([]option.Option, func(), error) {
	var customers []meteroid.Customer
	for _, id := range idsOrAliases {
		customers = append(customers, demoMeteroidCustomer(id))
	}
	srv, err := meteroidtest.Start(meteroidtest.WithCustomers(customers...))
	if err != nil {
		return nil, nil, err
	}
	return srv.ClientOptions(), srv.Close, nil
}

// demoMeteroidCustomer is a customer known by idOrAlias: an id when it has
// the cus_ prefix, else an alias.
func demoMeteroidCustomer(idOrAlias string) meteroid.Customer {
	c := meteroid.Customer{
		Name: "Customer " + idOrAlias, Currency: meteroid.CurrencyEUR,
		CustomTaxes: []meteroid.CustomTax{}, InvoicingEmails: []string{}, InvoicingEntityId: "ive_default",
	}
	if strings.HasPrefix(idOrAlias, "cus_") {
		c.Id = idOrAlias
	} else {
		c.Alias = ptr(idOrAlias)
	}
	return c
}

// meteroidEventsResource is "push meteroid events" (usage events, JSON
// Lines or CSV) and "list meteroid usage" (what they add up to).
var meteroidEventsResource = &resourceDef{
	name: "events",
	line: "meteroid.Event (JSON Lines), or CSV with a header row: event_id, customer_id, code, timestamp, other columns properties",
	key:  "event_id + customer_id (Meteroid deduplicates; a line without event_id gets one from its number and bytes)",
	verbs: []*verbDef{
		{name: "push", method: "IngestEventsSeq", ops: []string{"ingestEvents"}, job: meteroidEventsJob},
	},
}

var meteroidUsageResource = &resourceDef{
	name: "usage",
	line: "(read only) meteroid.MetricUsage, one per billable metric",
	key:  "customer or subscription, start_date, end_date",
	verbs: []*verbDef{
		{name: "list", method: "GetCustomerUsage, GetSubscriptionUsage, GetUsageSummary", ops: []string{"getCustomerUsage", "getSubscriptionUsage", "getUsageSummary"}, read: meteroidUsageRead()},
	},
}

// meteroidEventsJob is "push meteroid events": IngestEventsSeq, each line
// an event; a line without event_id gets "bb1-<line>-<hash of the line>",
// so a re-run or a resume of the same input sends the same ids and
// Meteroid counts every event once. Lines are checked for their shape
// here; the timestamp window is checked as they are sent (a line outside it
// fails alone, final, instead of refusing the whole input).
func meteroidEventsJob(f *pushFlags) (pushJob, error) {
	var seeds customerSet
	j := &typedJob[meteroid.Event, meteroid.Event]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[meteroid.Event],
		fast:     fastEvent,
		validate: func(e meteroid.Event) error { return meteroid.ValidateEvent(e, time.Time{}, true) },
		client: func(opts []option.Option) (sendFunc[meteroid.Event, meteroid.Event], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.IngestEventsSeq, c.Counts, nil
		},
		keyOpts: func(key func(index int) string) []option.RequestOption {
			return []option.RequestOption{meteroid.WithEventID(func(index int, _ meteroid.Event) string { return key(index) })}
		},
		startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(seeds.ids) },
	}
	if f.fake {
		j.collect = func(e meteroid.Event) { seeds.add(e.CustomerId) }
	}
	if f.backfill {
		j.addOptions(meteroid.WithBackfill())
	}
	return eventsJob{j}, nil
}

// meteroidUsageRead is "list meteroid usage": the metrics' usage of a
// customer, of a subscription, or of the whole tenant.
func meteroidUsageRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"customer":     "a customer's usage (id or alias); else the tenant's summary",
			"subscription": "a subscription's usage (sub_…); start_date and end_date default to its billing period",
			"start_date":   "first day, YYYY-MM-DD (required but for a subscription)",
			"end_date":     "last day, YYYY-MM-DD, included (required but for a subscription)",
			"metric_id":    "only this billable metric (bm_…)",
		},
		list: listMeteroidUsage,
	}
}

func listMeteroidUsage(ctx context.Context, opts []option.Option, filters map[string]string, _ int) (iter.Seq2[any, error], func() (int64, int64), error) {
	var q meteroid.UsageQuery
	for name, dst := range map[string]*time.Time{"start_date": &q.Start, "end_date": &q.End} {
		if v, ok := filters[name]; ok {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return nil, nil, usagef("--filter %s=%s: want YYYY-MM-DD", name, v)
			}
			*dst = t
		}
	}
	q.MetricID = filters["metric_id"]
	if filters["customer"] != "" && filters["subscription"] != "" {
		return nil, nil, usagef("--filter customer and --filter subscription: give one")
	}
	c, err := meteroid.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	seq := func(yield func(any, error) bool) {
		var u *meteroid.UsageResponse
		var err error
		switch {
		case filters["customer"] != "":
			u, err = c.GetCustomerUsage(ctx, filters["customer"], q)
		case filters["subscription"] != "":
			u, err = c.GetSubscriptionUsage(ctx, filters["subscription"], q)
		default:
			u, err = c.GetUsageSummary(ctx, q)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		for _, m := range u.Usage {
			if !yield(m, nil) {
				return
			}
		}
	}
	return seq, c.Counts, nil
}
