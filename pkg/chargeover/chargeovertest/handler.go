package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/fake"
)

// handler implements the generated strict server interface on the store.
// The frame has checked credentials and validated the request against the
// spec before any method runs.
type handler struct{ st *store }

var _ chargeoverserver.StrictServerInterface = (*handler)(nil)

type baseURLKey struct{}

// withBaseURL passes the URL the client used to the handlers, for the
// Location header of a create (the strict handlers see no *http.Request).
func withBaseURL(f chargeoverserver.StrictHandlerFunc, _ string) chargeoverserver.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		return f(context.WithValue(ctx, baseURLKey{}, "http://"+r.Host), w, r, req)
	}
}

func location(ctx context.Context, id int64) string {
	base, _ := ctx.Value(baseURLKey{}).(string)
	return base + "/api/v3/customer/" + strconv.FormatInt(id, 10)
}

// CreateCustomer creates one customer.
func (h *handler) CreateCustomer(ctx context.Context, req chargeoverserver.CreateCustomerRequestObject) (chargeoverserver.CreateCustomerResponseObject, error) {
	id, status, msg := h.st.create(*req.Body)
	if status != http.StatusCreated {
		return chargeoverserver.CreateCustomer400JSONResponse(envelope(status, msg)), nil
	}
	empty := ""
	return chargeoverserver.CreateCustomer201JSONResponse{
		Body: chargeoverapi.CreatedResponse{
			Code:     http.StatusCreated,
			Status:   chargeoverapi.EnvelopeStatusOK,
			Message:  &empty,
			Details:  emptyDetails(),
			Response: chargeoverapi.CreatedId{Id: json.Number(strconv.FormatInt(id, 10))},
		},
		Headers: chargeoverserver.CreateCustomer201ResponseHeaders{Location: location(ctx, id)},
	}, nil
}

// GetCustomerByExternalKey reads one customer by its external_key.
func (h *handler) GetCustomerByExternalKey(_ context.Context, req chargeoverserver.GetCustomerByExternalKeyRequestObject) (chargeoverserver.GetCustomerByExternalKeyResponseObject, error) {
	req.Key = fake.PathParam(req.Key)
	h.st.mu.Lock()
	c, ok := h.st.byKey(req.Key)
	if ok {
		c = clone(c)
	}
	h.st.mu.Unlock()
	if !ok {
		return chargeoverserver.GetCustomerByExternalKey404JSONResponse(envelope(http.StatusNotFound, notFoundKey(req.Key))), nil
	}
	empty := ""
	return chargeoverserver.GetCustomerByExternalKey200JSONResponse{
		Code:     http.StatusOK,
		Status:   chargeoverapi.EnvelopeStatusOK,
		Message:  &empty,
		Details:  emptyDetails(),
		Response: c,
	}, nil
}

func notFoundKey(key string) string {
	return fmt.Sprintf("%s No customer has external key %q.", msgNotFound, key)
}

// Bulk runs the sub-requests in order, each as if sent alone, under one lock
// so that the batch is atomic with respect to other requests.
func (h *handler) Bulk(ctx context.Context, req chargeoverserver.BulkRequestObject) (chargeoverserver.BulkResponseObject, error) {
	subs := *req.Body
	if len(subs) > maxBulk {
		// The spec's maxItems makes the frame refuse this first; kept so the
		// rule holds even without request validation.
		return chargeoverserver.Bulk400JSONResponse(envelope(http.StatusBadRequest, fmt.Sprintf("%s Got %d.", msgBulkMax, len(subs)))), nil
	}
	h.st.mu.Lock()
	results := make([]chargeoverapi.BulkItemResult, len(subs))
	for i, sub := range subs {
		results[i] = h.sub(ctx, sub)
	}
	h.st.mu.Unlock()
	empty := ""
	return chargeoverserver.Bulk200JSONResponse{
		Code:     http.StatusOK,
		Status:   chargeoverapi.EnvelopeStatusOK,
		Message:  &empty,
		Details:  emptyDetails(),
		Response: chargeoverapi.BulkResult{Bulk: results},
	}, nil
}

const keyPrefix = "/api/v3/customer/external_key:"

// sub runs one sub-request; the caller holds the store's lock.
func (h *handler) sub(_ context.Context, sub chargeoverapi.BulkSubRequest) chargeoverapi.BulkItemResult {
	path, rawQuery, _ := strings.Cut(sub.Uri, "?")
	if res, ok := h.subRead(sub, path, rawQuery); ok {
		return res
	}
	if res, ok := h.subInvoice(sub, path, rawQuery); ok {
		return res
	}
	if res, ok := h.subTransaction(sub, path, rawQuery); ok {
		return res
	}
	if res, ok := h.subItem(sub, path, rawQuery); ok {
		return res
	}
	switch {
	case sub.RequestMethod == chargeoverapi.BulkPOST && path == "/api/v3/customer":
		c, msg := h.st.validate(sub.Payload)
		if msg != "" {
			return subError(http.StatusBadRequest, msg)
		}
		id, status, msg := h.st.createLocked(c)
		if status != http.StatusCreated {
			return subError(status, msg)
		}
		return subOK(http.StatusCreated, chargeoverapi.CreatedId{Id: json.Number(strconv.FormatInt(id, 10))})
	case sub.RequestMethod == chargeoverapi.BulkGET && strings.HasPrefix(path, keyPrefix):
		key, err := url.PathUnescape(path[len(keyPrefix):])
		if err != nil || key == "" || strings.Contains(key, "/") {
			return subError(http.StatusNotFound, msgNotFound+" Bad external key in "+sub.Uri+".")
		}
		c, ok := h.st.byKey(key)
		if !ok {
			return subError(http.StatusNotFound, notFoundKey(key))
		}
		return subOK(http.StatusOK, c)
	}
	// The fake knows only the resources billbridge uses.
	return subError(http.StatusNotFound, fmt.Sprintf("%s This fake has no %s %s.", msgNotFound, sub.RequestMethod, sub.Uri))
}

func subOK(code int, response any) chargeoverapi.BulkItemResult {
	b, err := json.Marshal(response)
	if err != nil {
		panic(err) // CreatedId and Customer always marshal
	}
	raw := json.RawMessage(b)
	empty := ""
	return chargeoverapi.BulkItemResult{Code: int32(code), Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: &raw}
}

func subError(code int, msg string) chargeoverapi.BulkItemResult {
	f := json.RawMessage(`false`)
	return chargeoverapi.BulkItemResult{Code: int32(code), Status: chargeoverapi.EnvelopeStatusError, Message: &msg, Details: emptyDetails(), Response: &f}
}
