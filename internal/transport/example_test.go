package transport_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billbridge/billbridge"
	"net/http"
	"net/http/httptest"

	"github.com/billbridge/billbridge/internal/transport"
)

// New wraps an http.RoundTripper; the facades turn error answers into
// *billbridge.APIError, which callers match with errors.As.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok_test" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"error":{"type":"REQUIRED","message":"email is required","param":"data/0/email"}}`)
	}))
	defer srv.Close()

	tr := transport.New(srv.Client().Transport, transport.Bearer{Token: "tok_test"})
	tr.UserAgent = "example/1.0"
	client := &http.Client{Transport: tr}

	save := func() error {
		resp, err := client.Post(srv.URL+"/v6/customers", "application/json", nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			// A facade decodes the provider's error body into an APIError.
			var body struct {
				Error struct{ Type, Message, Param string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				return err
			}
			return &billbridge.APIError{Provider: "tight", Operation: "saveCustomers", StatusCode: resp.StatusCode,
				Code: body.Error.Type, Message: body.Error.Message, Param: body.Error.Param,
				Retryable: transport.RetryableStatus(resp.StatusCode)}
		}
		return nil
	}

	err := fmt.Errorf("saving customers: %w", save())
	var apiErr *billbridge.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Param, apiErr.Retryable)
		fmt.Println(err)
	}
	// Output:
	// 422 REQUIRED data/0/email false
	// saving customers: tight saveCustomers: HTTP 422 REQUIRED: email is required (param data/0/email)
}
