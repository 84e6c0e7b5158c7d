// Package chargeover is a typed client for ChargeOver's REST API v3: it
// creates and updates customers in batches through POST /api/v3/_bulk (25
// sub-requests per call), reports one result per input item, and never
// duplicates a customer that carries an external_key, even when answers are
// lost. It reads customers by customer_id (GetCustomer) or external_key
// (GetCustomerByExternalKey) and walks queries page by page
// (ListCustomers, an iter.Seq2 with typed where conditions).
//
// Usage:
//
//	c, err := chargeover.New(chargeover.WithSite("mycompany"),
//		option.WithBasicAuth(username, privateKey))
//	if err != nil { ... }
//	for _, r := range c.CreateCustomers(ctx, customers) {
//		if r.Err != nil {
//			log.Printf("item %d: %v", r.Index, r.Err)
//			continue
//		}
//		log.Printf("item %d: customer %d (existing: %t)", r.Index, r.Value, r.Existing)
//	}
//
// Credentials come from option.WithBasicAuth (API username and private key)
// or, when it is not given, from the environment variables
// CHARGEOVER_USERNAME and CHARGEOVER_PASSWORD.
//
// # Creates, retries and external_key
//
// ChargeOver has no idempotency key, so a create is re-sent only when the
// server surely did not act on it (429, or a connection that failed before
// the request was written). When the outcome of a create is unknown (a 5xx,
// a connection dropped after the request was written, a cut answer), items
// WITH an external_key are settled by reading the customer back by its key:
// found, the item succeeds with Result.Existing set; not found, it is sent
// again (at most MaxRetries+1 rounds in all). Items WITHOUT an external_key
// cannot be settled: they end with an error wrapping
// billbridge.ErrOutcomeUnknown and are never re-sent. Give every customer an
// external_key.
//
// A key that turns out to be in use (after an unknown outcome, or on a
// refusal of the create) is ours only if its data is ours: the stored
// customer is compared with the fields the item sets, normalised as
// ChargeOver stores them (spaces trimmed, booleans as 0/1, numbers by value,
// e-mail addresses without regard to case). The same data: a success with
// Existing set and that customer's id, so a re-run of a push that created
// its items ends as existing and creates nothing. Other data: an error
// wrapping billbridge.ErrConflict whose Message names the customer and whose
// Param is the first differing field; never a success, since adopting it
// would attach your data to someone else's customer.
//
// # Reading and updating
//
// ListCustomers sends GET /api/v3/customer with where (Condition values:
// Equals, NotEquals, GreaterThan, LessThan, GreaterOrEqual, LessOrEqual,
// Contains, IsNull, IsNotNull; values escaped as ChargeOver documents),
// an order (customer_id ascending unless given) and offset paging of
// DefaultPageSize customers (at most MaxPageSize). Its doc comment says
// what offset paging guarantees while customers are created or deleted.
// Updates are idempotent PUTs: UpdateCustomers sends them as _bulk PUT
// sub-requests and repeats a call that failed as a whole; only the fields
// set in an item's CustomerChanges change.
//
// # Deleting
//
// DeleteCustomers sends one DELETE /api/v3/customer/{customer_id} per id
// (_bulk takes no DELETE sub-requests), retried freely; a 404 to a retry
// after an attempt that may have deleted the customer is a success with
// AlreadyGone set. A deleted customer's external_key is never given out
// again.
//
// # Invoices
//
// CreateInvoices (and CreateInvoicesSeq, CreateInvoice) creates invoices
// through _bulk, 25 per call, each naming its customer by customer_id or by
// customer_external_key (the customer's natural key, so that invoices
// synced from elsewhere need no ids). Invoices with an external_key are
// keyed writes exactly as customers are: looked up first (by key, 25 per
// _bulk call: a list answer has no lines to compare), compared field by
// field (lines element by element; the *_external_key references, which a
// read returns as ids, skipped), and settled by reading the key back when
// an answer is lost. ListInvoices walks GET /api/v3/invoice (the overview,
// without lines), GetInvoice and GetInvoiceByExternalKey read one with its
// lines, totals, balance and status.
//
// # Transactions
//
// CreateTransactions records payments, refunds and credits through _bulk,
// applied to invoices by invoice_id or invoice_external_key; a payment
// lowers each invoice's balance, and one paid in full is closed-paid.
// gateway_transid is the only natural key a transaction has (ChargeOver
// does not keep it unique): with it, a transaction is looked up before it
// is sent and read back after a lost answer, so it is recorded once;
// without it, a lost answer stays billbridge.ErrOutcomeUnknown and is never
// sent again. ListTransactions and GetTransaction read them.
//
// # Items
//
// CreateItems creates items (what invoice lines bill; a line may name its
// item by item_external_key) through _bulk, keyed by external_key as
// customers are; ListItems, GetItem and GetItemByExternalKey read them.
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
package chargeover
