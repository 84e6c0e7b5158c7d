package chargeover

import (
	"encoding/json"
	"net/http"

	"github.com/billbridge/billbridge/internal/engine"
)

// Operation ids of the spec, used in *billbridge.APIError.Operation.
const (
	opBulk    = "bulk"
	opCreate  = "createCustomer"
	opGet     = "getCustomerByExternalKey"
	opGetByID = "getCustomer"
	opList    = "listCustomers"
	opUpdate  = "updateCustomer"
)

// envelope is the part of ChargeOver's answer envelope that error mapping
// reads. It is decoded leniently on its own, so that an error body that
// drifts from the spec (response: true, details: [], extra fields) still
// yields its message.
type envelope struct {
	Message   *string         `json:"message"`
	RequestID string          `json:"request_id"`
	Details   json.RawMessage `json:"details"`
}

// decodeError reads ChargeOver's error envelope for the engine. A body that
// is not the envelope (a proxy's HTML page) yields nothing, and the engine
// says what came instead of quoting it.
func decodeError(_ int, _ http.Header, body []byte) engine.ErrorBody {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return engine.ErrorBody{}
	}
	eb := engine.ErrorBody{RequestID: env.RequestID, Param: detailParam(env.Details)}
	if env.Message != nil {
		eb.Message = *env.Message
	}
	return eb
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
