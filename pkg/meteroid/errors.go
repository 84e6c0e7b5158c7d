package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/billbridge/billbridge/pkg/transport"
)

// decodeCustomer turns the answer of a GET or PATCH into the customer, or
// into a *transport.APIError. It reads the raw response rather than the
// generated Parse functions, which fail outright on an error body that is
// not the documented JSON (a proxy's HTML page, a cut body) and so would
// lose the status.
func decodeCustomer(ctx context.Context, op string, resp *http.Response, err error) (*Customer, int, error) {
	if err != nil {
		return nil, 0, requestError(ctx, op, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	status := resp.StatusCode
	if err != nil {
		return nil, status, &transport.APIError{Provider: Provider, Operation: op, StatusCode: status,
			Message: "reading the response failed", Err: err, Retryable: true}
	}
	if !statusOK(status) {
		return nil, status, responseError(op, resp.Header, status, body)
	}
	cust, err := decodeCustomerBody(body)
	if err != nil {
		// The server acted (2xx) but its answer is unreadable: for a PATCH a
		// retry is harmless, so say so.
		return nil, status, &transport.APIError{Provider: Provider, Operation: op, StatusCode: status,
			Message: "cannot decode the customer in the response", RequestID: requestID(resp.Header, nil),
			Err: err, Retryable: true}
	}
	return cust, status, nil
}

// decodeCustomerBody decodes a customer and checks that it carries its id:
// an object without one (an empty {} or some other JSON) is not a customer.
func decodeCustomerBody(body []byte) (*Customer, error) {
	var cust Customer
	if err := json.Unmarshal(body, &cust); err != nil {
		return nil, err
	}
	if cust.Id == "" {
		return nil, errors.New("the customer has no id")
	}
	return &cust, nil
}

// errorBody is Meteroid's {code, message}, plus a request_id that some
// installations add (not documented, kept when present).
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// responseError maps a non-2xx answer into an *APIError. Bodies that are not
// Meteroid's JSON (a proxy's HTML page) keep the status and say what came.
func responseError(op string, h http.Header, status int, body []byte) *transport.APIError {
	e := &transport.APIError{Provider: Provider, Operation: op, StatusCode: status,
		Retryable: transport.RetryableStatus(status)}
	var eb errorBody
	if transport.IsJSON(h) && json.Unmarshal(body, &eb) == nil && (eb.Code != "" || eb.Message != "") {
		e.Code, e.Message = eb.Code, eb.Message
		e.RequestID = requestID(h, &eb)
		return e
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "none"
	}
	// The body itself is not quoted: it is not Meteroid's, may be large, and
	// is never useful beyond its kind.
	e.Message = fmt.Sprintf("%s (unexpected body, Content-Type %s, %d bytes)", http.StatusText(status), ct, len(body))
	e.RequestID = requestID(h, nil)
	return e
}

// requestID takes a request id from the usual headers, else from the body.
func requestID(h http.Header, eb *errorBody) string {
	if id := transport.RequestID(h); id != "" || eb == nil {
		return id
	}
	return eb.RequestID
}

// requestError wraps a request that got no answer. Sending it again is safe
// (GET and PATCH are idempotent) unless the caller's context ended.
func requestError(ctx context.Context, op string, err error) *transport.APIError {
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error repeats method and URL; the operation says as much.
		err = ue.Err
	}
	return &transport.APIError{Provider: Provider, Operation: op, Message: "no answer", Err: err,
		Retryable: ctx.Err() == nil}
}
