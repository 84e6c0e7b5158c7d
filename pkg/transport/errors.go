package transport

import (
	"errors"
	"fmt"
	"strings"
)

// ErrOutcomeUnknown marks a request that may or may not have taken effect: a
// create that failed after it was sent. Retrying it blindly could create a
// duplicate, so the caller decides (read back, or ask a human).
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may or may not have taken effect")

// APIError is an error answer of a provider, or a failure of the request on
// its way there. Match it with errors.As.
type APIError struct {
	// Provider is "tight", "chargeover" or "meteroid".
	Provider string
	// Operation is the spec's operationId, such as "saveCustomers".
	Operation string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// Code is the provider's error type or code (Tight "REQUIRED", Meteroid
	// "NOT_FOUND"); empty when the body carried none.
	Code string
	// Message is the provider's message, or a description of the failure.
	Message string
	// Param names the offending field when the provider or the local
	// validation says which (a JSON path such as "data/0/email").
	Param string
	// RequestID is the provider's request id header, when it sent one.
	RequestID string
	// Retryable reports whether the same request may succeed when sent again
	// (after the retries the transport already made).
	Retryable bool
	// Err is the underlying error, if any (errors.Is/As reach it).
	Err error
}

// Error renders the error on one line: provider, operation, status, code,
// message and parameter.
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

// Unwrap returns the underlying error.
func (e *APIError) Unwrap() error { return e.Err }

// RetryableStatus reports whether a response status may be retried at all:
// 408, 429, 500, 502, 503 and 504. Other 4xx say the request itself is wrong,
// and other 5xx (501, 505, ...) will not change on a second try.
func RetryableStatus(status int) bool {
	switch status {
	case 408, 429, 500, 502, 503, 504:
		return true
	}
	return false
}

// ValidationError is an item that failed local validation against the spec
// before anything was sent. Index is the item's position in the input.
type ValidationError struct {
	Index int // the item's position in the input (0-based)
	// Field is the JSON path of the offending field, such as
	// "lineItems/0/quantity"; empty when the item as a whole is wrong.
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
