package tight

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/engine"
)

// decodeError reads Tight's error envelope for the engine: the first entry
// of the request's error list gives code, message and parameter. When the
// request's list is empty and the answer's data holds one item, that item's
// error speaks for the request (a single item refused with 400). A body
// that is not the envelope (a proxy's page) yields nothing.
func decodeError(_ int, _ http.Header, body []byte) engine.ErrorBody {
	var env tightapi.ErrorResponse
	if json.Unmarshal(body, &env) != nil {
		return engine.ErrorBody{}
	}
	var errs []Error
	if env.Data != nil && len(*env.Data) == 1 && (*env.Data)[0].Error != nil {
		errs = *(*env.Data)[0].Error
	}
	if len(errs) == 0 && env.Error != nil {
		errs = *env.Error
	}
	code, msg, param := firstError(errs)
	return engine.ErrorBody{Code: code, Message: msg, Param: param}
}

// firstError returns code, message and parameter of the first entry of a
// Tight error list.
func firstError(errs []Error) (code, message, param string) {
	if len(errs) == 0 {
		return "", "", ""
	}
	first := errs[0]
	if first.Type != nil {
		code = string(*first.Type)
	}
	if first.Message != nil {
		message = *first.Message
	}
	if first.Param != nil {
		param = itemParam(*first.Param)
	}
	return code, message, param
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
