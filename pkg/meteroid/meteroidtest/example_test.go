package meteroidtest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

// A test seeds customers, PATCHes one by alias through the generated client
// and inspects the fake's state.
func Example() {
	srv := meteroidtest.NewServer(meteroidtest.WithGeneratedCustomers(2))
	defer srv.Close()

	c, err := meteroidapi.NewClientWithResponses(srv.URL, meteroidapi.WithRequestEditorFn(
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+srv.APIKey)
			return nil
		}))
	if err != nil {
		panic(err)
	}
	name := "Acme GmbH"
	res, err := c.PatchCustomerWithResponse(context.Background(), "alias-1", meteroidapi.CustomerPatch{Name: &name})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode(), res.JSON200.Id, res.JSON200.Name)

	got, _ := srv.Customer("cus_1")
	fmt.Println(got.Name, *got.Alias, srv.Patches("alias-1"))

	res, _ = c.PatchCustomerWithResponse(context.Background(), "nobody", meteroidapi.CustomerPatch{Name: &name})
	fmt.Println(res.StatusCode(), res.JSON404.Code)
	// Output:
	// 200 cus_1 Acme GmbH
	// Acme GmbH alias-1 1
	// 404 NOT_FOUND
}
