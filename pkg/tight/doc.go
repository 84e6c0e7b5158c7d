// Package tight is the billbridge client for Tight (formerly Hurdlr) API v6:
// it saves customers and invoices in batches and reports one result per item.
//
// Usage:
//
//	c, err := tight.New(option.WithClientCredentials(id, secret)) // or TIGHT_CLIENT_ID/TIGHT_CLIENT_SECRET
//	if err != nil { ... }
//	for _, r := range c.SaveCustomers(ctx, []tight.CustomerInput{{Name: flex.Ptr("Acme")}}) {
//		if r.Err != nil {
//			var ae *transport.APIError
//			if errors.As(r.Err, &ae) { ... ae.Code, ae.Param ... }
//			if errors.Is(r.Err, transport.ErrOutcomeUnknown) { ... check before re-sending ... }
//			continue
//		}
//		fmt.Println(r.Index, r.ID)
//	}
//
// # What a batch call does
//
// Items are validated locally against the spec (an invalid item gets a
// *transport.ValidationError and is not sent; the others are). Valid items
// are cut into chunks of the batch size and each chunk is split in two
// requests:
//
//   - items carrying an id are upserts: sending them twice is harmless, so
//     their request is marked transport.Idempotent and retried on any
//     retryable failure;
//   - items without an id create entities: their request is retried only
//     when Tight surely did not act on it (429, or a connection that failed
//     before the request was written). Any other failure (5xx, a connection
//     dropped after writing, a cut success body) ends those items with an
//     error wrapping transport.ErrOutcomeUnknown: they may or may not exist
//     now, and re-sending them blindly could create duplicates.
//
// Tight answers 200, or 207 when some items failed; each item's own
// result/statusCode decides its outcome (the error lists hold an
// UNKNOWN_ERROR placeholder even on success). When Tight refuses a whole
// multi-item request with 400 because of some of its items, the request is
// bisected: each half is sent again, recursively, so the good items land and
// each bad item ends with its own 400 error. Other refusals (401 after one
// token refresh, 403, 404) fail the request's items with the *transport.APIError.
//
// Everything else Tight offers is reachable through Client.API, the
// generated client, which shares the client's authentication, retries and
// rate limit.
package tight
