package tighttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
)

// errorBody is Tight's error envelope. It is written by hand rather than
// with tightapi.ErrorResponse because that type omits a nil data, and the
// documents show "data": null on a failed request.
type errorBody struct {
	Result tightapi.Result  `json:"result"`
	Data   []any            `json:"data"` // always null
	Error  []tightapi.Error `json:"error"`
}

// errorReply is an error answer any of the strict handlers can return.
type errorReply struct {
	status int
	errs   []tightapi.Error
}

func (e errorReply) write(w http.ResponseWriter) error {
	return writeError(w, e.status, e.errs...)
}

// VisitCreateTokenResponse writes the reply.
func (e errorReply) VisitCreateTokenResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitSaveCustomersResponse writes the reply.
func (e errorReply) VisitSaveCustomersResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitSaveInvoicesResponse writes the reply.
func (e errorReply) VisitSaveInvoicesResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitQueryCustomersResponse writes the reply.
func (e errorReply) VisitQueryCustomersResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitGetCustomerResponse writes the reply.
func (e errorReply) VisitGetCustomerResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitDeleteCustomerResponse writes the reply.
func (e errorReply) VisitDeleteCustomerResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitQueryInvoicesResponse writes the reply.
func (e errorReply) VisitQueryInvoicesResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitDeleteInvoiceResponse writes the reply.
func (e errorReply) VisitDeleteInvoiceResponse(w http.ResponseWriter) error { return e.write(w) }

// VisitSendInvoiceResponse writes the reply.
func (e errorReply) VisitSendInvoiceResponse(w http.ResponseWriter) error { return e.write(w) }

func writeError(w http.ResponseWriter, status int, errs ...tightapi.Error) error {
	b, err := json.Marshal(errorBody{Result: tightapi.FAILURE, Error: errs})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func errorOf(typ tightapi.ErrorType, msg, param string) tightapi.Error {
	return tightapi.Error{Type: &typ, Message: &msg, Param: &param}
}

// renderError is the frame's ErrorRenderer: invalid requests, missing
// credentials, unknown routes and injected status faults.
func renderError(w http.ResponseWriter, r *http.Request, status int, code, message, param string) {
	typ := tightapi.ErrorType(code)
	if !typ.Valid() {
		// The frame names some codes (NOT_FOUND) Tight does not have.
		typ = tightapi.BADREQUEST
		if status >= 500 {
			typ = tightapi.UNKNOWNERROR
		}
	}
	if status == http.StatusBadRequest && typ == tightapi.BADREQUEST && !jsonBody(r) {
		// The documents answer a body that is not JSON with JSON_ERROR.
		typ = tightapi.JSONERROR
		if param == "" {
			param = "data"
		}
	}
	if status == http.StatusUnauthorized && param == "" {
		param = "Authorization"
	}
	_ = writeError(w, status, errorOf(typ, message, param))
}

// jsonBody reports whether r is not a JSON request or carries a valid JSON
// body (the frame leaves the body readable after validating it).
func jsonBody(r *http.Request) bool {
	if !strings.Contains(r.Header.Get("Content-Type"), "json") || r.Body == nil {
		return true
	}
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return err != nil || json.Valid(b)
}

// faultCode names the error of an injected status. Tight documents no error
// type for 429 or 5xx; the spec's example uses UNKNOWN_ERROR.
func faultCode(status int) (string, string) {
	msg := "Internal server error"
	switch status {
	case http.StatusTooManyRequests:
		msg = "Rate limit exceeded"
	case http.StatusBadGateway:
		msg = "Bad gateway"
	case http.StatusServiceUnavailable:
		msg = "Service temporarily unavailable"
	case http.StatusGatewayTimeout:
		msg = "Gateway timeout"
	}
	return string(tightapi.UNKNOWNERROR), msg
}

const tokenPath = "/v6/auth/token"

// authorized is the frame's credential check: HTTP Basic client credentials
// on the token endpoint, a bearer token everywhere else.
func (st *state) authorized(r *http.Request) (bool, string, string) {
	if r.URL.Path == tokenPath {
		id, secret, ok := r.BasicAuth()
		if !ok {
			return false, string(tightapi.INVALIDTOKEN), "missing HTTP Basic client credentials"
		}
		if !st.clientMatches(id, secret) {
			return false, string(tightapi.INVALIDTOKEN), "invalid client credentials"
		}
		return true, "", ""
	}
	tok, ok := bearer(r)
	if !ok {
		return false, string(tightapi.INVALIDTOKEN), "missing bearer access token"
	}
	if tok == st.cfg.Token {
		return true, "", ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tokens[tok]
	if !ok {
		return false, string(tightapi.INVALIDTOKEN), "invalid access token"
	}
	if !st.cfg.Now().Before(t.expires) {
		return false, string(tightapi.EXPIREDTOKEN), "the access token has expired"
	}
	return true, "", ""
}

// clientMatches checks client credentials. OAuth2 clients may form-encode
// the id and secret before the Basic encoding (RFC 6749 2.3.1), so both the
// raw and the decoded form are accepted.
func (st *state) clientMatches(id, secret string) bool {
	if id == st.cfg.ClientID && secret == st.cfg.ClientSecret {
		return true
	}
	uid, err1 := url.QueryUnescape(id)
	usecret, err2 := url.QueryUnescape(secret)
	return err1 == nil && err2 == nil && uid == st.cfg.ClientID && usecret == st.cfg.ClientSecret
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

type requestKey struct{}

// withToken hands the *http.Request to the strict handlers (they need the
// credentials, which the generated request objects do not carry).
func withToken(f tightserver.StrictHandlerFunc, _ string) tightserver.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		return f(context.WithValue(ctx, requestKey{}, r), w, r, req)
	}
}

func requestOf(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}
