package meteroidtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
)

// UpdateCustomer replaces the customer with the body (PUT: every optional
// field the body omits is cleared) and answers 200 with it, 404, or 400
// CONFLICT for an alias another customer holds. The id, the archive state
// and connected_account_id (which the body cannot carry) stay. Replacing
// twice with one body leaves the customer as replacing once.
func (st *store) UpdateCustomer(_ context.Context, req meteroidserver.UpdateCustomerRequestObject) (meteroidserver.UpdateCustomerResponseObject, error) {
	b := req.Body
	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.UpdateCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	if b.Alias != nil && *b.Alias != "" {
		a := *b.Alias
		if id, used := st.byAlias[a]; (used && id != c.Id) || (st.byID[a] != nil && a != c.Id) {
			return meteroidserver.UpdateCustomer400JSONResponse{BadRequestJSONResponse: meteroidserver.BadRequestJSONResponse{
				Code:    meteroidapi.ErrorCodeConflict,
				Message: fmt.Sprintf("alias %q is already used by another customer", a),
			}}, nil
		}
	}
	n := jsoncopy.Convert[meteroidapi.Customer](*b)
	n.Id, n.ConnectedAccountId = c.Id, c.ConnectedAccountId
	for _, a := range []*meteroidapi.Address{n.BillingAddress, shippingAddress(n.ShippingAddress)} {
		if a != nil && a.Country != nil {
			a.Country = ptr(strings.ToUpper(*a.Country))
		}
	}
	if old, nw := alias(c), alias(&n); old != nw {
		delete(st.byAlias, old)
		if nw != "" {
			st.byAlias[nw] = n.Id
		}
	}
	*c = n
	st.patched[c.Id]++
	return meteroidserver.UpdateCustomer200JSONResponse(clone(n)), nil
}
