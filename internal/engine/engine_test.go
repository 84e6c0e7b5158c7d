package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
	"github.com/billbridge/billbridge/pkg/option"
)

const token = "tok-engine-secret-42"

// decodeTest is a provider error decoder: {"code": ..., "message": ...}.
func decodeTest(_ int, _ http.Header, body []byte) engine.ErrorBody {
	var b struct{ Code, Message, Param string }
	if json.Unmarshal(body, &b) != nil {
		return engine.ErrorBody{}
	}
	return engine.ErrorBody{Code: b.Code, Message: b.Message, Param: b.Param}
}

func newEngine(t *testing.T, baseURL string, opts ...option.Option) *engine.Engine {
	t.Helper()
	opts = append([]option.Option{option.WithBaseURL(baseURL), option.WithToken(token), option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 2,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond})}, opts...)
	cfg := engine.Configure(opts)
	e, err := engine.New(engine.Provider{Name: "test", BatchSize: 10, MaxBatchSize: 100, Concurrency: 2, RateLimit: rate.Inf, DecodeError: decodeTest},
		cfg, transport.Bearer{Token: cfg.Token}, "token")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// post is a Call that posts to path through the engine's client.
func post(e *engine.Engine, path string, unsafe bool) engine.Call {
	return engine.Call{Op: "op", Unsafe: unsafe, Send: func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.BaseURL+path, strings.NewReader(`{"a":1}`))
		if err != nil {
			return nil, err
		}
		return e.HTTPClient.Do(req)
	}}
}

// server answers each request with the next step; the last step repeats.
type server struct {
	mu    sync.Mutex
	steps []func(w http.ResponseWriter, r *http.Request)
	n     int
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	step := s.steps[min(s.n, len(s.steps)-1)]
	s.n++
	s.mu.Unlock()
	step(w, r)
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func status(code int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func drop(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.Close()
}

func TestCallClassifies(t *testing.T) {
	html := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = io.WriteString(w, "<html>bad gateway</html>")
	}
	cases := []struct {
		name     string
		steps    []func(http.ResponseWriter, *http.Request)
		unsafe   bool
		sentinel error // nil: none of the three
		status   int
		code     string
		requests int
	}{
		{"ok", []func(http.ResponseWriter, *http.Request){status(200, `{}`)}, true, nil, 200, "", 1},
		{"refused 400", []func(http.ResponseWriter, *http.Request){status(400, `{"code":"BAD","message":"name is required","param":"name"}`)}, true, nil, 400, "BAD", 1},
		{"404 is not found", []func(http.ResponseWriter, *http.Request){status(404, `{"code":"NOT_FOUND","message":"no such"}`)}, false, billbridge.ErrNotFound, 404, "NOT_FOUND", 1},
		{"create 500: unknown, not repeated", []func(http.ResponseWriter, *http.Request){status(500, `{"message":"boom"}`)}, true, billbridge.ErrOutcomeUnknown, 500, "", 1},
		{"safe 500 retried, then refused", []func(http.ResponseWriter, *http.Request){status(500, `{"message":"boom"}`)}, false, nil, 500, "", 3},
		{"429 every time: not sent", []func(http.ResponseWriter, *http.Request){status(429, `{"message":"slow down"}`)}, true, billbridge.ErrNotSent, 429, "", 3},
		{"create dropped after write: unknown", []func(http.ResponseWriter, *http.Request){drop}, true, billbridge.ErrOutcomeUnknown, 0, "", 1},
		{"safe dropped: retried", []func(http.ResponseWriter, *http.Request){drop, drop, status(200, `{}`)}, false, nil, 200, "", 3},
		{"create HTML 502: unknown", []func(http.ResponseWriter, *http.Request){html}, true, billbridge.ErrOutcomeUnknown, 502, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &server{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			e := newEngine(t, srv.URL)
			ans, err := e.Call(context.Background(), post(e, "/x", tc.unsafe))
			if ans.Status != tc.status || s.count() != tc.requests || ans.Attempts != tc.requests {
				t.Fatalf("status %d after %d requests (%d attempts); want %d after %d (err %v)", ans.Status, s.count(), ans.Attempts, tc.status, tc.requests, err)
			}
			if tc.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *billbridge.APIError
			if !errors.As(err, &ae) || ae.Provider != "test" || ae.Operation != "op" || ae.StatusCode != tc.status || ae.Code != tc.code || ae.Message == "" {
				t.Fatalf("err = %#v", err)
			}
			for _, s := range []error{billbridge.ErrNotSent, billbridge.ErrOutcomeUnknown, billbridge.ErrNotFound} {
				if errors.Is(err, s) != (s == tc.sentinel) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, !(s == tc.sentinel))
				}
			}
			if errors.Is(err, billbridge.ErrOutcomeUnknown) && ae.Retryable {
				t.Error("an unknown outcome is marked retryable")
			}
		})
	}
}

func TestCallNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // connection refused: nothing was written
	e := newEngine(t, url)
	_, err = e.Call(context.Background(), post(e, "/x", true))
	if !errors.Is(err, billbridge.ErrNotSent) || errors.Is(err, billbridge.ErrOutcomeUnknown) {
		t.Fatalf("err = %v; want not sent", err)
	}
}

// A create answered 429 with a long Retry-After, cancelled during the wait,
// was surely not acted on: not sent, not unknown.
func TestCancelledDuringRetryAfterIsNotSent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	e := newEngine(t, srv.URL, option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Minute}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ans, err := e.Call(ctx, post(e, "/x", true))
	if !errors.Is(err, billbridge.ErrNotSent) || errors.Is(err, billbridge.ErrOutcomeUnknown) || ans.Attempts != 1 {
		t.Fatalf("err = %v after %d attempts; want not sent after 1", err, ans.Attempts)
	}
}

// A redirect is never followed: neither the body nor the credentials reach
// the host it names, and the answer is a clear error.
func TestRedirectRefused(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal?token=x", code)
		}))
		e := newEngine(t, srv.URL)
		_, err := e.Call(context.Background(), post(e, "/x", true))
		var ae *billbridge.APIError
		if !errors.As(err, &ae) || ae.StatusCode != code || !strings.Contains(ae.Message, "redirect refused") || strings.Contains(ae.Message, "token=x") {
			t.Errorf("%d: err = %v", code, err)
		}
		srv.Close()
	}
	if leaked.Load() != 0 {
		t.Fatalf("%d requests reached the redirect target", leaked.Load())
	}
}

// The engine's client sends credentials to the base URL's origin only.
func TestCredentialsStayOnTheOrigin(t *testing.T) {
	var seen atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
	}))
	defer other.Close()
	e := newEngine(t, "http://127.0.0.1:1")
	req, _ := http.NewRequest(http.MethodGet, other.URL, nil)
	_, err := e.HTTPClient.Do(req)
	if !errors.Is(err, transport.ErrOtherOrigin) || seen.Load() != nil {
		t.Fatalf("err = %v, other origin saw %v", err, seen.Load())
	}
	if err := e.Do(context.Background(), http.MethodGet, other.URL, nil, nil, nil); !errors.Is(err, billbridge.ErrNotSent) {
		t.Fatalf("Do with an absolute URL: %v", err)
	}
}

func TestPerCallOptions(t *testing.T) {
	var mu sync.Mutex
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		w.WriteHeader(503)
	}))
	defer srv.Close()
	var sawAuth atomic.Bool
	mw := func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		if r.Header.Get("Authorization") != "" {
			sawAuth.Store(true)
		}
		r.Header.Set("X-Middleware", "1")
		return next(r)
	}
	e := newEngine(t, srv.URL, option.WithHeader("X-Client", "c"))
	// One call with its own options: a header, no retries, a middleware.
	ctx := e.Context(context.Background(), []option.RequestOption{option.WithHeader("X-Call", "1"), option.WithMaxRetries(0),
		option.WithMiddleware(mw), option.WithHeader("Authorization", "Bearer forged")})
	if ans, _ := e.Call(ctx, post(e, "/x", false)); ans.Attempts != 1 {
		t.Fatalf("WithMaxRetries(0) on the call: %d attempts", ans.Attempts)
	}
	// A call without options: the client's defaults only (2 retries).
	if ans, _ := e.Call(context.Background(), post(e, "/x", false)); ans.Attempts != 3 {
		t.Fatalf("default call: %d attempts", ans.Attempts)
	}
	if len(got) != 4 {
		t.Fatalf("%d requests", len(got))
	}
	first, later := got[0], got[1]
	if first.Get("X-Call") != "1" || first.Get("X-Client") != "c" || first.Get("X-Middleware") != "1" || first.Get("Authorization") != "Bearer "+token {
		t.Errorf("call's request headers: %v", first)
	}
	if later.Get("X-Call") != "" || later.Get("X-Middleware") != "" || later.Get("X-Client") != "c" {
		t.Errorf("a call's options leaked into the next call: %v", later)
	}
	if sawAuth.Load() {
		t.Error("the middleware saw the credentials")
	}
}

func TestAttemptTimeoutPerCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	e := newEngine(t, srv.URL)
	ctx := e.Context(context.Background(), []option.RequestOption{option.WithAttemptTimeout(30 * time.Millisecond), option.WithMaxRetries(1)})
	start := time.Now()
	ans, err := e.Call(ctx, post(e, "/x", false))
	if err == nil || ans.Attempts != 2 || time.Since(start) > 3*time.Second {
		t.Fatalf("err %v, %d attempts in %v", err, ans.Attempts, time.Since(start))
	}
}

func TestDo(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /v1/thing":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"name":"a thing"}`)
		case "POST /v1/thing":
			posts.Add(1)
			body, _ := io.ReadAll(r.Body)
			if string(body) != `{"name":"new"}` || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(400)
				return
			}
			w.WriteHeader(500) // after acting: the outcome is unknown
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	e := newEngine(t, srv.URL)
	var out struct{ Name string }
	if err := e.Do(context.Background(), http.MethodGet, "/v1/thing", nil, &out, nil); err != nil || out.Name != "a thing" {
		t.Fatalf("GET: %v %+v", err, out)
	}
	var raw []byte
	if err := e.Do(context.Background(), http.MethodGet, "/v1/thing", nil, &raw, nil); err != nil || string(raw) != `{"name":"a thing"}` {
		t.Fatalf("GET raw: %v %s", err, raw)
	}
	err := e.Do(context.Background(), http.MethodPost, "/v1/thing", map[string]string{"name": "new"}, nil, nil)
	if !errors.Is(err, billbridge.ErrOutcomeUnknown) || posts.Load() != 1 {
		t.Fatalf("POST: %v after %d posts; want one post, outcome unknown", err, posts.Load())
	}
	if err := e.Do(context.Background(), http.MethodGet, "/v1/none", nil, nil, nil); !errors.Is(err, billbridge.ErrNotFound) {
		t.Fatalf("404: %v", err)
	}
	for _, bad := range []string{"v1/thing", "//evil.example/x"} {
		if err := e.Do(context.Background(), http.MethodGet, bad, nil, nil, nil); !errors.Is(err, billbridge.ErrNotSent) {
			t.Errorf("path %q: %v", bad, err)
		}
	}
}

func TestErrorTextRedactsCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"message":"bad header %s"}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	e := newEngine(t, srv.URL)
	_, err := e.Call(context.Background(), post(e, "/x", false))
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewChecksBounds(t *testing.T) {
	for _, opts := range [][]option.Option{{option.WithBatchSize(101)}, {option.WithBatchSize(-1)}, {option.WithConcurrency(engine.MaxConcurrency + 1)}, {option.WithConcurrency(-2)}} {
		cfg := engine.Configure(append([]option.Option{option.WithBaseURL("https://api.example.com")}, opts...))
		if _, err := engine.New(engine.Provider{Name: "test", BatchSize: 10, MaxBatchSize: 100, Concurrency: 2}, cfg, nil, ""); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
