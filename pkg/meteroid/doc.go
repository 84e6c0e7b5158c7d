// Package meteroid is the billbridge client for Meteroid's REST API v1: it
// lists customers (every page walked for the caller), reads one by id or
// alias, and creates, partially updates (PATCH), replaces (PUT), archives
// and unarchives many at once, ingests usage events in batches and reads
// usage back, with local validation, retries and one result per item.
//
// Creates are the one unsafe call (unarchiving is a POST too, but acting
// twice answers 204 again, so it is retried freely): a POST is repeated only when Meteroid
// surely did not act on it, and a create whose outcome is unknown is settled
// by reading the customer back by its alias (see CreateCustomers). Give
// every customer an alias. ListCustomers pages by page number over a listing
// it orders by creation time, ascending (order_by=created_at.asc, not the
// server's default), and dedupes by id within a walk (see its documentation
// for what that guarantees under concurrent creates and archives).
//
// ReplaceCustomers replaces whole customers (PUT): an optional field the
// item leaves nil is cleared, where PatchCustomers leaves it as it is. A
// replacement is idempotent, so it is retried like a PATCH.
//
// Subscriptions: CreateSubscriptions (and SyncSubscriptions, the same in
// ModeUpsert) is a keyed create like CreateCustomers, on the natural key
// (customer, plan_id, start_date), since Meteroid offers neither an
// idempotency key nor a unique field: a create whose answer was lost is
// settled by reading the customer's subscriptions to the plan. An upsert
// can change only the six settings a subscription's PATCH takes
// (UpdateSubscriptions); any other difference is a conflict naming the
// field. ListSubscriptions walks oldest first, GetSubscription reads the
// details, CancelSubscriptions cancels (idempotent, so retried).
//
// Invoices: ListInvoices walks by invoice date, oldest first; GetInvoice
// reads one; DownloadInvoice streams a PDF to an io.Writer and
// DownloadInvoices writes PDFs into a directory, each through a temporary
// file renamed once complete, in bounded memory whatever their sizes (the
// transport hands a download's body over unread).
//
// The catalog is read only: ListPlans, GetPlan (in a version),
// ListPlanVersions, ListProducts, GetProduct, ListMetrics, GetMetric. A
// subscription names a plan and version, a plan's price components name
// products, a metric names the product it bills.
//
// Meteroid has no batch endpoint for customers, so a batch of updates fans
// out as one PATCH /api/v1/customers/{id_or_alias} per item, at most
// Concurrency at a time. A PATCH sets the fields it carries and nothing else,
// so sending it twice leaves the customer as sending it once: every
// retryable failure (a dropped connection before or after the request was
// written, 408, 429, 500, 502, 503, 504) is retried, honouring a capped
// Retry-After. Other statuses are answers: a 404 fails that item only.
//
// Usage events go in batches: IngestEvents (and IngestEventsSeq,
// IngestEvent) sends up to 100 events and at most 1,000,000 bytes of JSON
// per POST /api/v1/events/ingest, with allow_partial_failures, and maps
// each failure Meteroid lists to its event by event_id. Meteroid
// deduplicates events by (event_id, customer_id), so every event carries an
// event_id (derived from its content and occurrence when it has none) and
// the call is retried like a PUT: no event ends with an unknown outcome.
// Events are checked locally first (lengths, the timestamp window unless
// WithBackfill, property names), and a repeat of an earlier event's pair
// fails naming it. GetCustomerUsage, GetSubscriptionUsage and
// GetUsageSummary read the usage the events add up to, per billable metric.
//
// Usage:
//
//	c, err := meteroid.New() // API key from METEROID_API_KEY
//	if err != nil { ... }
//	results := c.PatchCustomers(ctx, []meteroid.CustomerUpdate{
//		{IDOrAlias: "cus_7n42DGM5Tflk9n8mt7Fhc7", Patch: meteroid.CustomerPatch{Name: flex.Ptr("Acme GmbH")}},
//		{IDOrAlias: "acme-fr", Patch: meteroid.CustomerPatch{Currency: flex.Ptr(meteroid.CurrencyEUR)}},
//	})
//	for _, r := range results {
//		if r.Err != nil {
//			var apiErr *billbridge.APIError
//			if errors.As(r.Err, &apiErr) && apiErr.Code == "NOT_FOUND" { ... }
//			continue
//		}
//		fmt.Println(r.ID, r.Value.Name)
//	}
//
// # The shape every billbridge facade shares
//
// New takes option.Option values; every call takes option.RequestOption
// values (headers, retries, attempt timeout, middleware) that apply to that
// call on top of the client's. Batch calls take a slice or an iter.Seq and
// return one billbridge.Result per item, in input order; single-item calls
// return (value, error). Errors are *billbridge.ValidationError or
// *billbridge.APIError, matched against billbridge.ErrNotSent,
// ErrOutcomeUnknown and ErrNotFound. Package-level Validate functions check
// items as the calls do before sending.
//
// Operations the facade does not wrap are reachable through Client.API, the
// generated client, or Client.Do, a raw request to a path under the base
// URL; both share the client's authentication, retries, rate limit and
// error types, and neither follows redirects or sends credentials to
// another host.
package meteroid
