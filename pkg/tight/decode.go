package tight

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge/gen/tightapi"
)

// success reports whether an item of a save envelope succeeded: result
// SUCCESS and a 2xx statusCode. A missing statusCode (0) beside SUCCESS is
// read as success, the error list never is (it carries an UNKNOWN_ERROR
// placeholder even on success).
func success(result tightapi.Result, status int32) bool {
	return result == "SUCCESS" && (status == 0 || status >= 200 && status < 300)
}

func itemStatus(ok bool, status int32) int {
	if status == 0 && ok {
		return http.StatusOK
	}
	return int(status)
}

func errList(p *[]tightapi.Error) []Error {
	if p == nil {
		return nil
	}
	return *p
}

// decodeCustomers reads a 200/207 answer of saveCustomers into the
// generated envelope and flattens its items.
func decodeCustomers(body []byte) ([]item[Customer], error) {
	var env tightapi.CustomerSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Customer], len(env.Data))
	for i, d := range env.Data {
		ok := success(d.Result, d.StatusCode)
		out[i] = item[Customer]{ok: ok, status: itemStatus(ok, d.StatusCode), data: d.Data, errs: errList(d.Error)}
	}
	return out, nil
}

// decodeInvoices reads a 200/207 answer of saveInvoices.
func decodeInvoices(body []byte) ([]item[Invoice], error) {
	var env tightapi.InvoiceSaveEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	out := make([]item[Invoice], len(env.Data))
	for i, d := range env.Data {
		ok := success(d.Result, d.StatusCode)
		out[i] = item[Invoice]{ok: ok, status: itemStatus(ok, d.StatusCode), data: d.Data, errs: errList(d.Error)}
	}
	return out, nil
}

// errorBody is what an error answer says.
type errorBody struct {
	json        bool      // the body was a JSON error envelope
	requestErrs []Error   // the top-level error list
	itemErrs    [][]Error // per-item error lists, when data holds items
}

// decodeError reads an error answer (any non-2xx) tolerantly: a proxy's
// HTML page or an empty body yields an empty errorBody.
func decodeError(body []byte) (errorBody, error) {
	var env tightapi.ErrorResponse
	if err := json.Unmarshal(body, &env); err != nil {
		return errorBody{}, err
	}
	out := errorBody{json: true, requestErrs: errList(env.Error)}
	if env.Data != nil {
		for _, d := range *env.Data {
			out.itemErrs = append(out.itemErrs, errList(d.Error))
		}
	}
	return out, nil
}

// itemParam strips the "data/<i>/" prefix of a parameter that names an item
// of the request: i counts within the request Tight saw (a chunk, or a half
// of one when bisecting), not within the caller's input, so only the field
// path inside the item is meaningful to the caller.
func itemParam(p string) string {
	rest, ok := strings.CutPrefix(p, "data/")
	if !ok {
		return p
	}
	n, field, ok := strings.Cut(rest, "/")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return p
	}
	return field
}
