// Package webhook receives the webhooks of Tight, ChargeOver and Meteroid:
// verified, decoded into typed events, deduplicated, and acknowledged only
// once the user's function has handled them.
//
// One Handler serves every provider; a Provider (packages tight, chargeover
// and meteroid under this one) supplies the verification and the decoding:
//
//	h, err := meteroid.NewHandler(os.Getenv("METEROID_WEBHOOK_SECRET"))
//	if err != nil { ... }
//	h.On(meteroid.TypeInvoicePaid, func(ctx context.Context, e webhook.Event) error {
//		inv := e.Data.(*meteroid.InvoiceEvent)
//		return markPaid(ctx, inv.InvoiceID) // an error: 500, Meteroid retries
//	})
//	h.Fallback(func(ctx context.Context, e webhook.Event) error { return nil })
//	http.Handle("POST /webhooks/meteroid", h)
//
// # What each scheme proves
//
// | provider   | scheme                                                                 | proves                                                                 | does not protect against |
// | ---------- | ---------------------------------------------------------------------- | ---------------------------------------------------------------------- | ------------------------ |
// | Meteroid   | Standard Webhooks (Svix): HMAC-SHA256 of id.timestamp.body, whsec_ key  | sender holds the secret; body, id and time unaltered; age within the tolerance (5 min) | a leaked secret; a replay inside the tolerance to replicas that do not share a Store |
// | Tight      | JWT (HS256 only) in Tight-Verification, keyed with the webhook_secret   | sender holds the secret; token unexpired where it carries exp/nbf/iat  | body tampering or a body swapped under a captured token (no body hash is documented; see tight.WithBodyHashClaim); replays while the token is valid (or forever if it has no exp; see tight.WithMaxAge); a leaked secret |
// | ChargeOver | static shared secret in X-ChargeOver-Key and the body's security_token | sender knows the secret (both copies compared, constant time)          | anything after one capture: the key is the same for every body and every time, so no integrity beyond TLS and no replay protection beyond the Handler's exact-duplicate window; a leaked secret |
//
// Across all three the Handler adds: POST only (405), JSON only (415), a
// bounded body (413, DefaultMaxBodyBytes), the credential checked before the
// body is decoded (401; 400 when malformed), and deduplication by delivery
// id within a window (DefaultDedupeWindow; by webhook-id for Meteroid, by an
// id derived from the payload for the others). Error texts and logs carry
// the reason a delivery was refused, never a secret, a received credential
// or the body; answers carry only the status text.
//
// # Exactly once, as far as the receiver can
//
// A delivery is marked as seen only after the user's function returned nil;
// a failing (or panicking) function answers 500 and leaves it unseen, so the
// provider's retry reaches the function again. A second copy that arrives
// while the first is still being processed gets 409 and comes back later. A
// copy that arrives after the first was processed gets 200 (see
// WithDuplicateStatus for why not a 4xx) and no call. The one gap left is the
// crash between the function's success and Store.Done: make the function
// idempotent on Event.ID if that matters, or give a Store that commits with
// your own transaction.
//
// # Replaying
//
// Handler.Deliver runs stored headers and body through the same steps
// without HTTP; VerifyRequest verifies and decodes a request for a router
// of your own.
package webhook
