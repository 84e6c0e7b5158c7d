package chargeovertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
)

// ChargeOver's messages. The 401 text for a missing header is the document's
// own example; the others follow its style (their exact text is undocumented).
const (
	msgNoAuth   = "Invalid or incorrect authorization [Missing (basic) authorization header.]"
	msgBadAuth  = "Invalid or incorrect authorization [Invalid username or password.]"
	msgInvalid  = "Missing or invalid parameter."
	msgNotFound = "Object not found."
	msgBulkMax  = "Too many requests in bulk batch (maximum 25)."
)

// maxBulk is the documented limit of sub-requests per _bulk call.
const maxBulk = 25

// emptyDetails is the documented `details: {}`.
func emptyDetails() *json.RawMessage {
	d := json.RawMessage(`{}`)
	return &d
}

// envelope is ChargeOver's error body: response is always false.
func envelope(status int, message string) chargeoverapi.ErrorResponse {
	return chargeoverapi.ErrorResponse{
		Code:     int32(status),
		Status:   chargeoverapi.EnvelopeStatusError,
		Message:  &message,
		Details:  emptyDetails(),
		Response: chargeoverapi.ErrorResponseFalse,
	}
}

// renderError is the frame's ErrorRenderer: every error the frame produces
// (invalid requests, missing credentials, unknown routes, injected status
// faults) becomes ChargeOver's envelope with code = HTTP status.
func renderError(w http.ResponseWriter, r *http.Request, status int, _ /* code */, message, _ /* param */ string) {
	if status == http.StatusBadRequest && !strings.HasPrefix(message, msgInvalid) {
		// kin-openapi says "maximum number of items is 25" for the spec's
		// maxItems; say it in ChargeOver's words, keeping the detail.
		if r.URL.Path == "/api/v3/_bulk" && strings.Contains(message, "maximum number of items") {
			message = msgBulkMax + " " + message
		} else {
			message = msgInvalid + " " + message
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(envelope(status, message))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// faultCode names the message of an injected status.
func faultCode(status int) (string, string) {
	switch status {
	case http.StatusTooManyRequests:
		return "", "Rate limit exceeded."
	case http.StatusInternalServerError:
		return "", "An internal error occurred."
	case http.StatusBadGateway:
		return "", "Bad gateway."
	case http.StatusServiceUnavailable:
		return "", "Service temporarily unavailable."
	case http.StatusGatewayTimeout:
		return "", "Gateway timeout."
	}
	return "", http.StatusText(status) + "."
}
