// Package tight is the billbridge client for Tight (formerly Hurdlr) API v6:
// it saves customers, invoices, payments and invoice item templates in
// batches and reports one result per item, reads and lists them (the list
// walks Tight's cursor pages itself), deletes them, sends invoices and reads
// the invoicing setup.
//
// Usage:
//
//	c, err := tight.New(option.WithClientCredentials(id, secret)) // or TIGHT_CLIENT_ID/TIGHT_CLIENT_SECRET
//	if err != nil { ... }
//	for _, r := range c.SaveCustomers(ctx, []tight.CustomerInput{{Name: flex.Ptr("Acme")}}) {
//		if r.Err != nil {
//			var ae *billbridge.APIError
//			if errors.As(r.Err, &ae) { ... ae.Code, ae.Param ... }
//			if errors.Is(r.Err, billbridge.ErrOutcomeUnknown) { ... check before re-sending ... }
//			continue
//		}
//		fmt.Println(r.Index, r.ID)
//	}
//
// # What a batch call does
//
// Items are validated locally against the spec (an invalid item gets a
// *billbridge.ValidationError and is not sent; the others are). Valid items
// are cut into chunks of the batch size and each chunk is split in two
// requests:
//
//   - items carrying an id are upserts: sending them twice is harmless, so
//     their request is retried on any retryable failure;
//   - items without an id create entities: their request is retried only
//     when Tight surely did not act on it (429, or a connection that failed
//     before the request was written). Any other failure (5xx, a connection
//     dropped after writing, a cut success body) ends those items with an
//     error wrapping billbridge.ErrOutcomeUnknown: they may or may not exist
//     now, and re-sending them blindly could create duplicates.
//
// Tight answers 200, or 207 when some items failed; each item's own
// result/statusCode decides its outcome (the error lists hold an
// UNKNOWN_ERROR placeholder even on success). When Tight refuses a whole
// multi-item request with 400 because of some of its items, the request is
// bisected: each half is sent again, recursively, so the good items land and
// each bad item ends with its own 400 error. Other refusals (401 after one
// token refresh, 403, 404) fail the request's items with the *billbridge.APIError.
//
// # Reading, deleting and sending
//
// GetCustomer reads one customer; ListCustomers and ListInvoices return an
// iter.Seq2 that walks every page of Tight's query (POST .../query, cursor
// after cursor, PageSize 1 to MaxPageSize = 250), each page request rate
// limited and retried like any read, stopping on break or a cancelled
// context without another request; ids are deduplicated within a walk.
// DeleteCustomers and DeleteInvoices send one DELETE per id, retried freely
// (a repeat that finds the entity gone gets ErrNotFound). SendInvoices sends
// one POST per invoice (an id repeated in one call is refused, e-mailed
// once) and is unsafe: every accepted request e-mails the
// customer, so it is repeated blindly only when Tight surely did not act;
// after an answer that may have been lost it reads the invoice back
// (collectionInfo.emailSentDatetime and emailStatus; the sends in doubt of
// a call share walks of the invoice query): sent, or under way,
// is a success marked Existing; not sent is sent again, at most SendRounds
// sends; an invoice that cannot be read leaves ErrOutcomeUnknown. See
// SendInvoices for what those fields prove and what they do not.
//
// # Payments
//
// SavePayments saves payments in batches (POST /v6/payments) with the rules
// of SaveCustomers: an item with an Id upserts, an item without one creates
// and carries a create key, so that it is created exactly once even when an
// answer is lost (the key is looked up among the payments of the item's
// description, one query per item; a payment without a description by
// walking the payments' pages, once per request). A child naming InvoiceId pays that
// invoice: Tight counts its amount in the invoice's totals.paidAmount and
// balance. GetPayment, ListPayments and DeletePayments read, walk and
// delete them like customers. The spec models Tight's newer payment
// (ptxn_… ids); answers of the older version (pmt_…) read into the same
// Payment.
//
// # Item templates and the invoicing setup
//
// SaveItemTemplates saves invoice item templates in batches (POST
// /v6/invoicing/itemTemplates): upserts by Id, creates without a create key
// (Tight documents no read of templates to look one up by, so a lost
// answer to a create stays ErrOutcomeUnknown). DeleteItemTemplates deletes
// them like customers; GetInvoicingSetup reads the defaults new invoices
// start from (GET /v6/invoicing/setup).
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
package tight
