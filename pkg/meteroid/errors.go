package meteroid

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
)

// errorBody is Meteroid's {code, message}, plus a request_id that some
// installations add (not documented, kept when present).
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// decodeError reads Meteroid's error body for the engine. Only a JSON body
// counts: the server's extractor answers some errors in text/plain, and a
// proxy's HTML page says nothing useful.
func decodeError(_ int, h http.Header, body []byte) engine.ErrorBody {
	var eb errorBody
	if !transport.IsJSON(h) || json.Unmarshal(body, &eb) != nil {
		return engine.ErrorBody{}
	}
	return engine.ErrorBody{Code: eb.Code, Message: eb.Message, RequestID: eb.RequestID}
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

func emptyID(index int) error {
	return &billbridge.ValidationError{Index: index, Field: "id_or_alias", Reason: "must not be empty: give the customer's id (cus_…) or alias"}
}
