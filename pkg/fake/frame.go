package fake

// This file is the frame every provider fake (pkg/*/…test) runs in, written
// once: a loopback HTTP server that, in this order, records every request,
// injects faults, checks credentials, validates the request against the
// spec, and only then runs the provider's handler; in tests it also
// validates every response against the spec. A fake adds its handlers, its
// store and its credentials.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/billbridge/billbridge/internal/specguard"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/option"
)

// ErrorRenderer writes the provider's own error body.
// code is the provider's error code or type, param the offending field (may
// be empty).
type ErrorRenderer func(w http.ResponseWriter, r *http.Request, status int, code, message, param string)

// Provider is what a fake plugs into the frame.
type Provider struct {
	// Name prefixes the frame's errors, e.g. "tighttest".
	Name string
	// Spec is a fresh copy of the provider's spec (the generated GetSpec).
	Spec *openapi3.T
	// Handler serves valid, authenticated requests (the generated server).
	Handler http.Handler
	// Authorized reports whether the request carries accepted credentials;
	// when it does not, it returns the provider's error code and message.
	Authorized func(r *http.Request) (ok bool, code, message string)
	// Public reports requests that need no credentials of Authorized (a
	// token endpoint checks its own).
	Public func(r *http.Request) bool
	// RenderError writes error bodies: for invalid requests (400), missing
	// credentials (401), unknown routes (404) and injected status faults.
	RenderError ErrorRenderer
	// FaultCode names the provider's error code for an injected status.
	FaultCode func(status int) (code, message string)
	// Precheck, when set, runs on an authenticated request before it is
	// validated against the spec: a provider whose real server refuses some
	// requests before its handlers (Meteroid's body extractor: 415, 422 in
	// text/plain) answers them itself and returns true.
	Precheck func(w http.ResponseWriter, r *http.Request) bool
	// Credentials are the client options that authenticate with the
	// credentials the fake accepts (see Server.ClientOptions).
	Credentials []option.Option
}

// Options configure the frame.
type Options struct {
	// Addr is the listen address (default 127.0.0.1:0, a free loopback port).
	Addr string
	// Faults are injected in front of the provider.
	Faults fault.Config
	// CheckResponse, when set, receives an error for every response that does
	// not validate against the spec (deliberately broken fault responses
	// excepted). Tests pass a function that calls t.Error.
	CheckResponse func(error)
	// Webhooks, when non-nil, is the fake's webhook sender (NewWebhooks):
	// the Server exposes it and Close stops it.
	Webhooks *Webhooks
}

// Server is a running fake: every provider fake embeds it, so its URL,
// Faults and methods are the fake's own.
type Server struct {
	// URL is the base URL of the fake, such as http://127.0.0.1:41234.
	URL string
	// Faults is the fault injector; its Counts tell what was injected.
	Faults *fault.Injector
	// Webhooks sends the fake's webhooks (nil when none are configured;
	// its methods are no-ops then): Flush waits for the deliveries queued,
	// Stats counts them.
	Webhooks *Webhooks

	srv   *http.Server
	ln    net.Listener
	guard *specguard.Guard
	p     Provider
	check func(error)

	mu      sync.Mutex
	log     []Request
	running sync.WaitGroup // handlers in flight, awaited by Close
	closing bool           // set by Close; guarded by mu
}

// Start listens and serves until Close.
func Start(p Provider, opts Options) (*Server, error) {
	guard, err := specguard.New(p.Spec)
	if err != nil {
		opts.Webhooks.Close()
		return nil, fmt.Errorf("%s: spec: %w", p.Name, err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		opts.Webhooks.Close()
		return nil, fmt.Errorf("%s: listen %s: %w", p.Name, addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, guard: guard, p: p, check: opts.CheckResponse, Webhooks: opts.Webhooks}
	s.Faults = fault.New(opts.Faults, func(w http.ResponseWriter, r *http.Request, status int) {
		code, msg := p.FaultCode(status)
		p.RenderError(w, r, status, code, msg, "")
	})
	s.srv = &http.Server{Handler: s.outer(s.Faults.Wrap(s.inner()))}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the fake, closes its connections and waits for the handlers
// still running, so that no response check fires after Close returns.
func (s *Server) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	_ = s.srv.Close()
	s.running.Wait()
	s.Webhooks.Close()
}

// Requests returns the request log so far, in arrival order. An entry is
// made before its request is handled, so a client that got an answer
// always finds its request logged.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns the number of requests of operation (the spec's operationId,
// compared without regard to case) answered with status
// (0 counts every status; a request dropped by a fault has status 0 and is
// counted only by status 0).
func (s *Server) Count(operation string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if strings.EqualFold(r.Operation, operation) && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// Coverage reports which of the spec's declared (operation, status) pairs
// the fake has produced so far: tests use it to show how much of the
// contract a scenario exercises.
func (s *Server) Coverage() Coverage {
	produced := map[string]bool{}
	for _, r := range s.Requests() {
		produced[r.Operation+" "+strconv.Itoa(r.Status)] = true
	}
	var c Coverage
	for _, item := range s.p.Spec.Paths.Map() {
		for _, op := range item.Operations() {
			c.Operations++
			seen := false
			for status := range op.Responses.Map() {
				if status == "default" {
					// Not a status a fake produces: it stands for any status
					// the operation does not list.
					continue
				}
				c.Declared++
				key := operationID(op.OperationID) + " " + status
				if produced[key] {
					seen = true
				} else {
					c.Missing = append(c.Missing, key)
				}
			}
			if seen {
				c.OperationsSeen++
			}
		}
	}
	sort.Strings(c.Missing)
	return c
}

// ClientOptions returns the options that point a billbridge client (the
// facade's New) at this fake: its base URL, credentials it accepts, and no
// client-side rate limit (the provider's limit would only slow a test down;
// a fake limits with Config.Faults.RateLimit when a test wants one). It is
// the counterpart of httptest.Server.Client:
//
//	c, err := tight.New(srv.ClientOptions()...)
//
// Options given after it override it (another token, a rate limit).
func (s *Server) ClientOptions() []option.Option {
	opts := []option.Option{option.WithBaseURL(s.URL)}
	opts = append(opts, s.p.Credentials...)
	return append(opts, option.WithRateLimit(0, 0))
}

// operationID undoes oapi-codegen's capitalisation: the spec embedded in the
// generated code says "SaveCustomers" where specs/tight.yaml says
// "saveCustomers", and users look operations up by the spec's name (all our
// operationIds are lowerCamelCase).
func operationID(embedded string) string {
	if embedded == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(embedded)
	return string(unicode.ToLower(r)) + embedded[n:]
}

// RequestIDHeader is the response header that carries the id of every
// request a fake answers (see Request.RequestID).
const RequestIDHeader = "X-Request-Id"

// outer records the request, names it in the X-Request-Id header of its
// answer and, when asked, validates the response.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := s.guard.Route(r)
		rec := &specguard.Recorder{ResponseWriter: w}
		entry := Request{Method: r.Method, Path: r.URL.Path}
		if in != nil && in.Route != nil {
			entry.Operation = operationID(in.Route.Operation.OperationID)
		}
		// The record goes into the log before the handler runs, so a client
		// that got its answer always finds its request logged; the status is
		// filled in once known.
		s.mu.Lock()
		if s.closing {
			// Close is waiting for the handlers in flight; a new one must
			// not join that wait (WaitGroup.Add racing Wait).
			s.mu.Unlock()
			http.Error(w, "server closing", http.StatusServiceUnavailable)
			return
		}
		at := len(s.log)
		entry.RequestID = "req_" + strconv.Itoa(at+1)
		s.log = append(s.log, entry)
		s.running.Add(1)
		s.mu.Unlock()
		defer s.running.Done()
		// Every answer names its request, as the providers' gateways do,
		// so that clients can report it (and tests find it in the log).
		w.Header().Set(RequestIDHeader, entry.RequestID)
		// A dropped connection reaches the client before this handler
		// returns: record the fault as soon as the injector has chosen it.
		r = r.WithContext(fault.WithObserver(r.Context(), func(kind fault.Kind) {
			s.mu.Lock()
			s.log[at].Fault = kind
			s.mu.Unlock()
		}))
		defer func() {
			kind := fault.Kind(w.Header().Get(fault.Header))
			status := rec.Status
			if kind == fault.DropBefore || kind == fault.DropAfter {
				status = 0
			}
			s.mu.Lock()
			s.log[at].Status, s.log[at].Fault = status, kind
			s.mu.Unlock()
			if s.check != nil && !kind.Broken() && in != nil && in.Route != nil && rec.Status != 0 {
				if err := s.guard.Response(in, rec.Status, w.Header(), rec.Body.Bytes()); err != nil {
					s.check(fmt.Errorf("%s: fake response does not match the spec: %w", s.p.Name, err))
				}
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// inner checks credentials and the request, then runs the provider.
func (s *Server) inner() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := s.guard.Request(r)
		if in == nil || in.Route == nil {
			status, msg := http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path
			if errors.Is(err, routers.ErrMethodNotAllowed) {
				status, msg = http.StatusMethodNotAllowed, "method not allowed: "+r.Method+" "+r.URL.Path
			}
			code := "NOT_FOUND"
			if status == http.StatusMethodNotAllowed {
				code = "BAD_REQUEST"
			}
			s.p.RenderError(w, r, status, code, msg, "")
			return
		}
		if s.p.Public == nil || !s.p.Public(r) {
			if ok, code, msg := s.p.Authorized(r); !ok {
				s.p.RenderError(w, r, http.StatusUnauthorized, code, msg, "")
				return
			}
		}
		if s.p.Precheck != nil && s.p.Precheck(w, r) {
			return
		}
		if err != nil {
			field := specguard.Field(err)
			msg := specguard.Reason(err)
			if field != "" {
				msg = fmt.Sprintf("invalid value for %s: %s", field, msg)
			}
			s.p.RenderError(w, r, http.StatusBadRequest, "BAD_REQUEST", msg, field)
			return
		}
		s.p.Handler.ServeHTTP(w, r)
	})
}

// NewRouter returns the router a fake's generated server should use. It
// matches the escaped path (as kin-openapi's router does), so that a "/"
// inside a parameter, sent as %2F, does not split the path; handlers then
// unescape the parameter with PathParam.
func NewRouter() *mux.Router { return mux.NewRouter().UseEncodedPath() }

// PathParam unescapes a path parameter matched by NewRouter's router: the
// generated wrapper passes the value on as matched, still escaped.
func PathParam(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
