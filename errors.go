package billbridge

import (
	"errors"
	"fmt"
	"strings"
)

// The sentinels a caller branches on; match them with errors.Is. See the
// package comment for what each means for sending an item again.
var (
	// ErrNotSent marks an item that the provider surely did not act on: it
	// was never sent (cancelled before its turn, no access token, refused
	// locally as oversized), or every attempt was answered 429. Sending it
	// again is safe.
	ErrNotSent = errors.New("not sent: the provider did not act on this request")

	// ErrOutcomeUnknown marks a create that may or may not have taken
	// effect: it failed (5xx, dropped connection, unreadable answer) after
	// it was sent. Sending it again blindly could create a duplicate.
	ErrOutcomeUnknown = errors.New("outcome unknown: the request may or may not have taken effect")

	// ErrConflict marks an item whose natural key (ChargeOver external_key,
	// Meteroid alias, Tight create key) already names an entity holding
	// other data than the item's. It is never reported as a success.
	ErrConflict = errors.New("conflict: the natural key is in use by an entity with other data")

	// ErrNotFound marks a read, update or delete of an entity that does not
	// exist (HTTP 404 on a request that names one).
	ErrNotFound = errors.New("not found")

	// ErrUnauthorized marks a request the provider refused its credentials
	// (HTTP 401 or 403 that survived a token refresh, or a token request
	// refused so): the API key, password or token is wrong, expired or
	// lacks the scope. A batch call sends nothing more after one: the
	// items of the refused request carry the refusal, every item after
	// them an error wrapping both ErrNotSent and ErrUnauthorized, whose
	// text quotes the refusal.
	ErrUnauthorized = errors.New("credentials refused")
)

// APIError is a provider's error answer, or a request that failed on its way
// there. Match it with errors.As; match what it means for a retry with
// errors.Is against ErrNotSent, ErrOutcomeUnknown, ErrConflict, ErrNotFound,
// ErrUnauthorized.
type APIError struct {
	// Provider is "tight", "chargeover" or "meteroid".
	Provider string
	// Operation is the spec's operationId, such as "saveCustomers".
	Operation string
	// StatusCode is the HTTP status (for an item of a batch, the item's own
	// status), or 0 when no answer arrived.
	StatusCode int
	// Code is the provider's error type or code (Tight "REQUIRED", Meteroid
	// "NOT_FOUND"); empty when the answer carried none.
	Code string
	// Message is the provider's message, or a description of the failure.
	// Credentials are redacted from it.
	Message string
	// Param names the offending field when the provider says which (a JSON
	// path inside the item, such as "email").
	Param string
	// RequestID is the provider's request id, when it sent one.
	RequestID string
	// Retryable reports whether the same request may succeed when sent
	// again (after the retries already made). It is false for an outcome
	// that is unknown: sending again could act twice.
	Retryable bool
	// Err is the underlying error: a sentinel of this package, a network
	// error, or nil.
	Err error
}

// Error renders the error on one line: provider, operation, status, code,
// message, parameter and request id.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(e.Provider + " " + e.Operation))
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Param != "" {
		fmt.Fprintf(&b, " (param %s)", e.Param)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	if e.Err != nil && (e.Message == "" || !strings.Contains(e.Message, e.Err.Error())) {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error, so that errors.Is reaches the
// sentinels.
func (e *APIError) Unwrap() error { return e.Err }

// ValidationError is an item refused by local validation against the spec,
// before anything was sent.
type ValidationError struct {
	// Index is the item's position in the input (0-based).
	Index int
	// Field is the JSON path of the offending field inside the item, such
	// as "lineItems/0/quantity"; empty when the item as a whole is wrong.
	Field string
	// Reason says what is wrong, such as "minimum string length is 1".
	Reason string
}

// Error names the item, the field and the reason.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("item %d: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("item %d: field %s: %s", e.Index, e.Field, e.Reason)
}
