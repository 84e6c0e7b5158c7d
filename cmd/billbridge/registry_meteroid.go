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
		line: "meteroid.CustomerPatch + id_or_alias (push); meteroid.CustomerCreate (sync); meteroid.CustomerUpdateRequest + id_or_alias (replace)",
		key:  "id_or_alias or alias (one namespace); sync: alias",
		verbs: []*verbDef{
			{name: "push", method: "PatchCustomersSeq", ops: []string{"patchCustomer"}, job: meteroidPatchJob},
			{name: "sync", method: "CreateCustomersSeq (upsert by alias)", ops: []string{"createCustomer"}, job: meteroidSyncJob},
			{name: "replace", method: "ReplaceCustomersSeq", ops: []string{"updateCustomer"}, job: meteroidReplaceJob},
			{name: "list", method: "ListCustomers", ops: []string{"listCustomers"}, read: meteroidRead()},
			{name: "get", method: "GetCustomer", ops: []string{"getCustomer"}, read: meteroidRead()},
			{name: "archive", method: "ArchiveCustomersSeq", ops: []string{"archiveCustomer"}, each: meteroidEach((*meteroid.Client).ArchiveCustomersSeq)},
			{name: "unarchive", method: "UnarchiveCustomersSeq", ops: []string{"unarchiveCustomer"}, each: meteroidEach((*meteroid.Client).UnarchiveCustomersSeq)},
		},
	}, {
		name: "subscriptions",
		line: "meteroid.SubscriptionCreateRequest (sync)",
		key:  "customer_id_or_alias + plan_id + start_date (sync); id (sub_…)",
		verbs: []*verbDef{
			{name: "sync", method: "SyncSubscriptionsSeq (upsert by customer, plan, start date)", ops: []string{"createSubscription", "updateSubscription"}, job: meteroidSubscriptionsJob},
			{name: "list", method: "ListSubscriptions", ops: []string{"listSubscriptions"}, read: meteroidSubscriptionsRead()},
			{name: "get", method: "GetSubscription", ops: []string{"subscriptionDetails"}, read: meteroidSubscriptionsRead()},
			{name: "cancel", method: "CancelSubscriptionsSeq", ops: []string{"cancelSubscription"}, each: meteroidCancel},
		},
	}, {
		name: "invoices",
		line: "(read only)",
		key:  "id (inv_…)",
		verbs: []*verbDef{
			{name: "list", method: "ListInvoices", ops: []string{"listInvoices"}, read: meteroidInvoicesRead()},
			{name: "get", method: "GetInvoice", ops: []string{"getInvoiceById"}, read: meteroidInvoicesRead()},
			{name: "download", method: "DownloadInvoicesSeq", ops: []string{"downloadInvoicePdf"}, each: meteroidDownload, paths: true,
				flags: []verbFlag{{name: "dir", arg: "DIR", def: ".", check: checkOutputDir,
					usage: "write each PDF, <id>.pdf, into DIR (an existing directory);\na file of that name is replaced whole"}}},
		},
	}, {
		name: "plans", line: "(read only)", key: "id (plan_…); get: ID or ID@VERSION",
		verbs: []*verbDef{
			{name: "list", method: "ListPlans", ops: []string{"listPlans"}, read: meteroidPlansRead()},
			{name: "get", method: "GetPlan", ops: []string{"getPlanDetails"}, read: meteroidPlansRead()},
		},
	}, {
		name: "plan-versions", line: "(read only)", key: "--filter plan_id=ID (required)",
		verbs: []*verbDef{
			{name: "list", method: "ListPlanVersions", ops: []string{"listPlanVersions"}, read: &readPair{
				filters: map[string]string{"plan_id": "the plan whose versions to list (required)"},
				list: func(ctx context.Context, opts []option.Option, filters map[string]string, _ int) (iter.Seq2[any, error], func() (int64, int64), error) {
					id, ok := filters["plan_id"]
					if !ok || id == "" {
						return nil, nil, usagef("list meteroid plan-versions: give --filter plan_id=ID")
					}
					c, err := meteroid.New(opts...)
					if err != nil {
						return nil, nil, err
					}
					return anySeq(c.ListPlanVersions(ctx, id)), c.Counts, nil
				},
			}},
		},
	}, {
		name: "products", line: "(read only)", key: "id (prd_…)",
		verbs: []*verbDef{
			{name: "list", method: "ListProducts", ops: []string{"listProducts"}, read: meteroidCatalogRead((*meteroid.Client).ListProducts, (*meteroid.Client).GetProduct)},
			{name: "get", method: "GetProduct", ops: []string{"getProduct"}, read: meteroidCatalogRead((*meteroid.Client).ListProducts, (*meteroid.Client).GetProduct)},
		},
	}, {
		name: "metrics", line: "(read only)", key: "id (bm_…)",
		verbs: []*verbDef{
			{name: "list", method: "ListMetrics", ops: []string{"listMetrics"}, read: meteroidCatalogRead((*meteroid.Client).ListMetrics, (*meteroid.Client).GetMetric)},
			{name: "get", method: "GetMetric", ops: []string{"getMetric"}, read: meteroidCatalogRead((*meteroid.Client).ListMetrics, (*meteroid.Client).GetMetric)},
		},
	}, meteroidEventsResource, meteroidUsageResource},
}

// meteroidPlansRead is the pair of "list" and "get" for plans: listed with
// the search filter, read by id in the active version, or ID@VERSION.
func meteroidPlansRead() *readPair {
	return &readPair{
		filters:     map[string]string{"search": "plans whose name contains the text"},
		maxPageSize: meteroid.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return anySeq(c.ListPlans(ctx, meteroid.PlanQuery{Search: filters["search"], PageSize: pageSize})), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, err
			}
			id, version, _ := strings.Cut(id, "@")
			return c.GetPlan(ctx, id, version)
		},
	}
}

// meteroidCatalogRead is the pair of "list" and "get" for products and
// metrics: listed with the search filter, read by id.
func meteroidCatalogRead[L, G any](list func(*meteroid.Client, context.Context, meteroid.CatalogQuery, ...option.RequestOption) iter.Seq2[L, error],
	get func(*meteroid.Client, context.Context, string, ...option.RequestOption) (*G, error)) *readPair {
	return &readPair{
		filters:     map[string]string{"search": "entries whose name (a metric's code too) contains the text"},
		maxPageSize: meteroid.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return anySeq(list(c, ctx, meteroid.CatalogQuery{Search: filters["search"], PageSize: pageSize})), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, err
			}
			return get(c, ctx, id)
		},
	}
}

// meteroidDownload is "download meteroid invoices ID... [--dir DIR]": each
// PDF into "<id>.pdf" in DIR (checked by checkOutputDir: it exists and
// takes files), streamed (bounded memory whatever its size) into a
// temporary file in DIR renamed into place once complete, replacing a file
// of that name; an id that would not make one file name inside DIR fails
// alone, nothing sent (the facade's checks).
func meteroidDownload(ctx context.Context, opts []option.Option, ids iter.Seq[string], values verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
	c, err := meteroid.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	return c.DownloadInvoicesSeq(ctx, ids, values["dir"]), c.Counts, nil
}

// meteroidInvoicesRead is the pair of "list" and "get" for invoices: listed
// with Meteroid's customer, subscription and status filters, read by id.
func meteroidInvoicesRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"customer_id":     "the invoices of one customer (id or alias)",
			"subscription_id": "the invoices of one subscription",
			"status":          "the invoices in one status (DRAFT, FINALIZED, UNCOLLECTIBLE, VOID)",
		},
		maxPageSize: meteroid.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			q := meteroid.InvoiceQuery{CustomerIDOrAlias: filters["customer_id"], SubscriptionID: filters["subscription_id"], PageSize: pageSize}
			if s, ok := filters["status"]; ok {
				q.Statuses = []meteroid.InvoiceStatus{meteroid.InvoiceStatus(s)}
			}
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return anySeq(c.ListInvoices(ctx, q)), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, err
			}
			return c.GetInvoice(ctx, id)
		},
	}
}

// meteroidSubscriptionsJob is "sync meteroid subscriptions": creates keyed by
// (customer, plan_id, start_date), upsert by default.
func meteroidSubscriptionsJob(f *pushFlags) (pushJob, error) {
	if f.key != "" {
		return nil, usagef("--key %s: Meteroid subscriptions are keyed by customer_id_or_alias, plan_id and start_date (no other key exists)", f.key)
	}
	return &typedJob[meteroid.SubscriptionCreateRequest, meteroid.Subscription]{
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   strictDecode[meteroid.SubscriptionCreateRequest],
		validate: meteroid.ValidateSubscription,
		naturalKeys: func(it meteroid.SubscriptionCreateRequest) []itemKey {
			return []itemKey{{"customer_id_or_alias+plan_id+start_date", it.CustomerIdOrAlias + " | " + it.PlanId + " | " + it.StartDate.Format(time.DateOnly)}}
		},
		client: func(opts []option.Option) (sendFunc[meteroid.SubscriptionCreateRequest, meteroid.Subscription], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.CreateSubscriptionsSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(nil) },
	}, nil
}

// meteroidCancel is "cancel meteroid subscriptions ID...": each at the end
// of its current period.
func meteroidCancel(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
	c, err := meteroid.New(opts...)
	if err != nil {
		return nil, nil, err
	}
	items := func(yield func(meteroid.SubscriptionCancel) bool) {
		for id := range ids {
			if !yield(meteroid.SubscriptionCancel{ID: id}) {
				return
			}
		}
	}
	return func(yield func(billbridge.Result[string]) bool) {
		for r := range c.CancelSubscriptionsSeq(ctx, items) {
			out := billbridge.Result[string]{Index: r.Index, ID: r.ID, Value: r.ID, Err: r.Err, Status: r.Status, Attempts: r.Attempts}
			if !yield(out) {
				return
			}
		}
	}, c.Counts, nil
}

// meteroidSubscriptionsRead is the pair of "list" and "get" for
// subscriptions: listed with Meteroid's customer, plan and status filters,
// read by id.
func meteroidSubscriptionsRead() *readPair {
	return &readPair{
		filters: map[string]string{
			"customer_id": "the subscriptions of one customer (id or alias)",
			"plan_id":     "the subscriptions to one plan",
			"status":      "the subscriptions in one status (ACTIVE, CANCELLED, ...)",
		},
		maxPageSize: meteroid.MaxPageSize,
		list: func(ctx context.Context, opts []option.Option, filters map[string]string, pageSize int) (iter.Seq2[any, error], func() (int64, int64), error) {
			q := meteroid.SubscriptionQuery{CustomerIDOrAlias: filters["customer_id"], PlanID: filters["plan_id"], PageSize: pageSize}
			if s, ok := filters["status"]; ok {
				q.Statuses = []meteroid.SubscriptionStatus{meteroid.SubscriptionStatus(s)}
			}
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return anySeq(c.ListSubscriptions(ctx, q)), c.Counts, nil
		},
		get: func(ctx context.Context, opts []option.Option, id string) (any, error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, err
			}
			return c.GetSubscription(ctx, id)
		},
	}
}

// anySeq turns a typed walk into the untyped one "list" prints.
func anySeq[T any](seq iter.Seq2[T, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range seq {
			if !yield(v, err) {
				return
			}
		}
	}
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

// meteroidReplaceJob is "replace meteroid customers": full replacements (PUT)
// by id or alias, lines in CustomerUpdateRequest's shape plus "id_or_alias".
func meteroidReplaceJob(f *pushFlags) (pushJob, error) {
	var seeds customerSet
	j := &typedJob[meteroid.CustomerReplace, meteroid.Customer]{
		shape:    reflect.TypeFor[meteroidReplaceLine](),
		fields:   fieldChecker{allowUnknown: f.allowUnknownFields},
		decode:   decodeMeteroidReplace,
		validate: meteroid.ValidateCustomerReplace,
		naturalKeys: func(r meteroid.CustomerReplace) []itemKey {
			return append([]itemKey{{"id_or_alias", r.IDOrAlias}}, keyOf("alias", r.Customer.Alias)...)
		},
		client: func(opts []option.Option) (sendFunc[meteroid.CustomerReplace, meteroid.Customer], func() (int64, int64), error) {
			c, err := meteroid.New(opts...)
			if err != nil {
				return nil, nil, err
			}
			return c.ReplaceCustomersSeq, c.Counts, nil
		},
		startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(seeds.ids) },
	}
	if f.fake {
		j.collect = func(r meteroid.CustomerReplace) { seeds.add(r.IDOrAlias) }
	}
	return j, nil
}

// meteroidReplaceLine is the shape of a "replace" line: the whole customer
// and the customer it replaces.
type meteroidReplaceLine struct {
	IDOrAlias string `json:"id_or_alias"`
	meteroid.CustomerUpdateRequest
}

// decodeMeteroidReplace reads a replacement with a top-level "id_or_alias".
func decodeMeteroidReplace(raw []byte) (meteroid.CustomerReplace, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return meteroid.CustomerReplace{}, err
	}
	var key string
	if err := json.Unmarshal(fields["id_or_alias"], &key); err != nil || strings.TrimSpace(key) == "" {
		return meteroid.CustomerReplace{}, fmt.Errorf("field id_or_alias: required, a non-empty string naming the customer")
	}
	delete(fields, "id_or_alias")
	rest, _ := json.Marshal(fields)
	body, err := strictDecode[meteroid.CustomerUpdateRequest](rest)
	if err != nil {
		return meteroid.CustomerReplace{}, err
	}
	return meteroid.CustomerReplace{IDOrAlias: key, Customer: body}, nil
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
	return func(ctx context.Context, opts []option.Option, ids iter.Seq[string], _ verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error) {
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
		scratch:  new(eventScratch).decode,
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
