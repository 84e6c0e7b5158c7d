package meteroidtest

import (
	"context"

	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/pkg/fake"
)

// UnarchiveCustomer restores an archived customer and answers 204, or 404.
// As Meteroid's handler does (it finds the customer among archived and live
// ones and clears its archive date), a customer that is not archived is left
// as it is and answered 204 too, so that a retry is harmless.
func (st *store) UnarchiveCustomer(_ context.Context, req meteroidserver.UnarchiveCustomerRequestObject) (meteroidserver.UnarchiveCustomerResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	req.IdOrAlias = fake.PathParam(req.IdOrAlias)
	c := st.find(req.IdOrAlias)
	if c == nil {
		return meteroidserver.UnarchiveCustomer404JSONResponse{NotFoundJSONResponse: notFound(req.IdOrAlias)}, nil
	}
	delete(st.archived, c.Id)
	return meteroidserver.UnarchiveCustomer204Response{}, nil
}
