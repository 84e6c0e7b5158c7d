package chargeovertest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
)

func Example() {
	srv := chargeovertest.NewServer(chargeovertest.WithCredentials("user", "key"))
	defer srv.Close()

	client, err := chargeoverapi.NewClientWithResponses(srv.URL,
		chargeoverapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(srv.Username, srv.Password)
			return nil
		}))
	if err != nil {
		panic(err)
	}
	key := "acme-0001"
	ctx := context.Background()
	created, _ := client.CreateCustomerWithResponse(ctx, chargeoverapi.CustomerCreate{Company: "Acme", ExternalKey: &key})
	fmt.Println(created.StatusCode(), created.JSON201.Response.Id)

	// external_key is never reusable: a second create is refused.
	again, _ := client.CreateCustomerWithResponse(ctx, chargeoverapi.CustomerCreate{Company: "Acme", ExternalKey: &key})
	fmt.Println(again.StatusCode(), *again.JSON400.Message)

	got, _ := client.GetCustomerByExternalKeyWithResponse(ctx, key)
	fmt.Println(got.StatusCode(), got.JSON200.Response.CustomerId, *got.JSON200.Response.Company)
	fmt.Println(len(srv.Customers()), srv.CountByExternalKey(key))
	// Output:
	// 201 1000
	// 400 A customer with external key "acme-0001" already exists (external keys are never reusable).
	// 200 1000 Acme
	// 1 1
}
