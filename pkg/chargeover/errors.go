package chargeover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/transport"
)

// ErrNotFound is wrapped by the *transport.APIError of a read that found no
// customer (HTTP 404), so that callers can test errors.Is(err, ErrNotFound).
var ErrNotFound = errors.New("chargeover: customer not found")

// Operation ids of the spec, used in *transport.APIError.Operation.
const (
	opBulk   = "bulk"
	opCreate = "createCustomer"
	opGet    = "getCustomerByExternalKey"
)

// envelope is the part of ChargeOver's answer envelope that error mapping
// reads. It is decoded leniently on its own, so that an error body that
// drifts from the spec (response: true, details: [], extra fields) still
// yields its message.
type envelope struct {
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Details   json.RawMessage `json:"details"`
}

// apiError maps an HTTP answer of op into a *transport.APIError. The body is
// never quoted unless it is ChargeOver's JSON envelope: an HTML page of a
// proxy says nothing useful and can be large.
func apiError(op string, resp *http.Response, body []byte) *transport.APIError {
	e := &transport.APIError{
		Provider:   Provider,
		Operation:  op,
		StatusCode: resp.StatusCode,
		RequestID:  transport.RequestID(resp.Header),
		Retryable:  transport.RetryableStatus(resp.StatusCode),
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err == nil {
		e.Message = strings.TrimSpace(env.Message)
		if e.RequestID == "" {
			e.RequestID = env.RequestID
		}
		e.Param = detailParam(env.Details)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			e.Message += " (non-JSON answer: " + ct + ")"
		}
	}
	if resp.StatusCode == http.StatusNotFound && op == opGet {
		e.Err = ErrNotFound
	}
	return e
}

// detailParam returns the offending field when details names one (ChargeOver
// documents details as an empty object; a field name there is a courtesy).
func detailParam(raw json.RawMessage) string {
	var d map[string]any
	if json.Unmarshal(raw, &d) != nil {
		return ""
	}
	for _, k := range []string{"param", "field"} {
		if s, ok := d[k].(string); ok {
			return s
		}
	}
	return ""
}

// subError maps the result of one _bulk sub-request.
func subError(code int, message string) *transport.APIError {
	if message = strings.TrimSpace(message); message == "" {
		message = http.StatusText(code)
	}
	return &transport.APIError{Provider: Provider, Operation: opBulk, StatusCode: code, Message: message, Retryable: transport.RetryableStatus(code)}
}

// unknown marks e (an answer, or nil for none) as a create that may or may
// not have taken effect, so that errors.Is(err, transport.ErrOutcomeUnknown)
// matches it. cause is why the outcome is unknown, if not e itself.
func unknown(op string, e *transport.APIError, cause error) *transport.APIError {
	if e == nil {
		e = &transport.APIError{Provider: Provider, Operation: op}
	}
	e.Retryable = false // sending it again could create a duplicate
	switch {
	case cause == nil:
		e.Err = transport.ErrOutcomeUnknown
	case errors.Is(cause, transport.ErrOutcomeUnknown):
		e.Err = cause
	default:
		e.Err = fmt.Errorf("%w: %w", transport.ErrOutcomeUnknown, cause)
	}
	return e
}

// sendError maps a request that got no answer. The transport returns an
// error wrapping ErrOutcomeUnknown when a create may have been acted on; any
// other error means the request never reached the server, unless ctx ended
// while an attempt was under way (attempts > 0): then nobody can tell.
func sendError(ctx context.Context, op string, attempts int, err error) (*transport.APIError, bool) {
	switch {
	case attempts == 0 && ctx.Err() != nil:
		// Cancelled while waiting for the rate limiter: never sent.
		return &transport.APIError{Provider: Provider, Operation: op, Message: "request not sent", Err: fmt.Errorf("%w: %w", batch.ErrNotSent, err)}, false
	case errors.Is(err, transport.ErrOutcomeUnknown) || ctx.Err() != nil:
		return unknown(op, nil, err), true
	}
	return &transport.APIError{Provider: Provider, Operation: op, Message: "request not sent: " + err.Error(), Retryable: true, Err: err}, false
}
