// Package rules holds the end-to-end tests of the rules every operation of
// every provider follows, each checked through a real http.Client against
// the three fakes:
//
//   - a refusal of the credentials (401 or 403, after a token refresh) ends
//     the call: nothing more is sent, every item gets a result;
//   - an idempotent delete whose retry gets 404 after an attempt that may
//     have acted is a success marked AlreadyGone;
//   - an error names the status of the answer it describes, and a refused
//     enum value is quoted with a few allowed values and their count.
package rules
