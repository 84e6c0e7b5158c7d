// Package specguard checks live HTTP traffic against an OpenAPI document with
// kin-openapi: the fakes run every request through it before their handlers,
// and the tests run every response through it, so that neither the clients nor
// the fakes can drift from the specs unnoticed.
package specguard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/billbridge/billbridge/internal/validate"
)

// Guard validates requests and responses of one API.
type Guard struct {
	router routers.Router
}

// New builds a guard for doc. It replaces doc.Servers by the path of the
// first server URL (none when it has no path), because the routers match the
// server host and the guard runs behind loopback servers on random ports,
// while a base path such as Tight's /v6 is part of every request path; pass a
// document of its own (the generated GetSpec returns a fresh one).
func New(doc *openapi3.T) (*Guard, error) {
	base := ""
	if len(doc.Servers) > 0 {
		if u, err := url.Parse(doc.Servers[0].URL); err == nil {
			base = strings.TrimRight(u.Path, "/")
		}
	}
	doc.Servers = nil
	if base != "" {
		doc.Servers = openapi3.Servers{{URL: base}}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("specguard: invalid spec: %w", err)
	}
	r, err := newRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("specguard: router: %w", err)
	}
	return &Guard{router: r}, nil
}

// mostSpecific is a router that tries one gorillamux router per path, the
// most specific path first: fewer variables, then more literal characters.
// kin-openapi orders paths with as many variables by descending text, which
// puts ChargeOver's /api/v3/customer/{customer_id} before
// /api/v3/customer/external_key:{key} ('{' sorts after letters), so that
// /api/v3/customer/external_key:acme would be routed to the customer_id
// route and refused as "not an integer". The first path that matches wins,
// also when its method is not declared (as within one gorillamux router).
type mostSpecific []routers.Router

func newRouter(doc *openapi3.T) (routers.Router, error) {
	paths := doc.Paths.InMatchingOrder()
	literal := func(p string) int {
		n, depth := 0, 0
		for _, c := range p {
			switch {
			case c == '{':
				depth++
			case c == '}':
				depth--
			case depth == 0:
				n++
			}
		}
		return n
	}
	sort.SliceStable(paths, func(i, j int) bool {
		vi, vj := strings.Count(paths[i], "}"), strings.Count(paths[j], "}")
		if vi != vj {
			return vi < vj
		}
		return literal(paths[i]) > literal(paths[j])
	})
	out := make(mostSpecific, 0, len(paths))
	for _, p := range paths {
		one := *doc // shallow: servers, components and security are shared
		one.Paths = openapi3.NewPaths(openapi3.WithPath(p, doc.Paths.Value(p)))
		r, err := gorillamux.NewRouter(&one)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// FindRoute returns the route of the most specific path that matches r.
func (m mostSpecific) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	for _, rt := range m {
		route, params, err := rt.FindRoute(r)
		if errors.Is(err, routers.ErrPathNotFound) {
			continue
		}
		return route, params, err
	}
	return nil, nil, routers.ErrPathNotFound
}

// options leave authentication to the caller: the fakes check credentials
// themselves, so that a bad credential gets the provider's 401 and not a 400.
var options = &openapi3filter.Options{
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	MultiError:         false,
}

// Request validates r, body included; the body stays readable afterwards. The
// returned input is what Response needs. An unknown path or method is an
// error wrapping routers.ErrPathNotFound or routers.ErrMethodNotAllowed.
func (g *Guard) Request(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := g.router.FindRoute(r)
	if err != nil {
		return nil, err
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return in, err
	}
	return in, nil
}

// Route finds the operation of r without validating it; the result serves
// Response.
func (g *Guard) Route(r *http.Request) (*openapi3filter.RequestValidationInput, error) {
	route, params, err := g.router.FindRoute(r)
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options}, nil
}

// Response validates a response to the request in. A status the operation does
// not declare is an error (kin-openapi would otherwise fall back to "default").
func (g *Guard) Response(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	if in == nil || in.Route == nil {
		return errors.New("specguard: response to an unrouted request")
	}
	if in.Route.Operation.Responses.Status(status) == nil && in.Route.Operation.Responses.Default() == nil {
		return fmt.Errorf("specguard: %s %s: status %d is not declared", in.Request.Method, in.Route.Path, status)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("specguard: %s %s -> %d: %w", in.Request.Method, in.Route.Path, status, err)
	}
	return nil
}

// Field names the request field an error is about, as a slash path such as
// "data/0/email" for a body field or the parameter name; "" when unknown.
func Field(err error) string {
	if f := validate.Field(err); f != "" {
		return f
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		return re.Parameter.Name
	}
	return ""
}

// Reason gives a short, human reason for a validation error, without the
// schema dump kin-openapi appends to its full message.
func Reason(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return se.Reason
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Reason != "" {
		if re.Err != nil {
			// "failed to decode request body" alone does not help; the
			// decoder's own message says where the JSON breaks.
			return re.Reason + ": " + validate.Reason(re.Err)
		}
		return re.Reason
	}
	return validate.Reason(err)
}

// Recorder captures a handler's response so it can be validated before (or
// after) it is sent.
type Recorder struct {
	http.ResponseWriter
	Status int          // the first status written; 0 until then
	Body   bytes.Buffer // a copy of everything written
}

// WriteHeader records the status and passes it on.
func (r *Recorder) WriteHeader(status int) {
	if r.Status == 0 {
		r.Status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write records the body and passes it on.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	r.Body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Flush passes a flush on when the underlying writer supports it.
func (r *Recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer (to hijack
// a connection for a dropped-connection fault, say).
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
