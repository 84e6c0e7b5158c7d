// Package billbridge holds the vocabulary every billbridge client speaks:
// the per-item Result of a batch call, the APIError and ValidationError
// types, and the sentinel errors a caller branches on.
//
// The clients themselves live in pkg/tight, pkg/chargeover and pkg/meteroid.
// They are generated from the OpenAPI specs in specs/ into gen/ (see
// generate.go) and wrapped by facades that add authentication, retries,
// rate limits and batching with exactly one Result per input item.
//
// # What a failed item's error says
//
// Every error a facade returns for an item is a *ValidationError (refused
// locally, nothing sent) or an *APIError. Whether the item may be sent again
// is told by the sentinels it wraps:
//
//   - ErrNotSent: the request never reached the provider, or the provider
//     surely did not act on it (a 429 after every retry). Sending again is safe.
//   - ErrOutcomeUnknown: a create that may or may not have taken effect.
//     Sending it again blindly could create a duplicate: read back first.
//   - ErrConflict: the item's natural key (an external key, an alias) is
//     already used by an entity holding other data.
//   - ErrNotFound: a read or update named an entity that does not exist.
//   - ErrUnauthorized: the provider refused the credentials (401 or 403).
//     A batch call stops at the first such answer: the items after it
//     wrap ErrNotSent too. Fix the credentials, then send them again.
//
// Any other *APIError is the provider's refusal (its Code, Message and Param
// say why) or, with Retryable set, a failure that sending again may mend.
package billbridge
