package chargeovertest

import (
	"context"
	"net/http"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/flex"
)

// deleteLocked deletes customer id: 200, or 404 when no customer has the id
// (deleted ones included, so a second DELETE is a 404, as ChargeOver's
// "Object not found"). The customer's external_key stays used: ChargeOver
// never releases a key. The caller holds the lock.
func (st *store) deleteLocked(id int64) (int, string) {
	i, ok := st.byID(id)
	if !ok {
		return http.StatusNotFound, notFoundID(id)
	}
	st.gone[i] = true
	st.customerEvent("delete", st.customers[i])
	return http.StatusOK, ""
}

// DeleteCustomer deletes one customer by customer_id.
func (h *handler) DeleteCustomer(_ context.Context, req chargeoverserver.DeleteCustomerRequestObject) (chargeoverserver.DeleteCustomerResponseObject, error) {
	h.st.mu.Lock()
	status, msg := h.st.deleteLocked(req.CustomerId)
	h.st.mu.Unlock()
	if status != http.StatusOK {
		return chargeoverserver.DeleteCustomer404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(status, msg))}, nil
	}
	empty := ""
	return chargeoverserver.DeleteCustomer200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: flex.Bool(true),
	}, nil
}
