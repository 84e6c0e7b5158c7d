package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge/internal/config"
)

type failingAuth struct{}

func (failingAuth) Authenticate(*http.Request) error { return errors.New("no credential") }

// TestGateReleasedOnEveryOutcome: whatever becomes of a request (an
// answer, a retried 5xx, a dropped connection, an oversized answer, a
// refused credential, another origin, a context that ends during a pause, a
// middleware that panics), its place in the gate is given back; and a
// request cancelled while it waits for a place takes none.
func TestGateReleasedOnEveryOutcome(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			writeOK(w)
		case "/503":
			writeJSONError(w, http.StatusServiceUnavailable)
		case "/big":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `"`+strings.Repeat("x", 4096)+`"`)
		case "/drop":
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		case "/slow429":
			w.Header().Set("Retry-After", "10")
			writeJSONError(w, http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	plain := func() *Transport {
		tr := New(srv.Client().Transport, nil)
		tr.Retry = tinyPolicy(2)
		tr.Origin = OriginOf(srv.URL)
		return tr
	}
	big := plain()
	big.MaxResponseBytes = 1024
	auth := plain()
	auth.Auth = failingAuth{}
	panicky := plain()
	panicky.Request.Middleware = []config.Middleware{func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		panic("middleware")
	}}
	elsewhere := plain()
	elsewhere.Request.Middleware = []config.Middleware{func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		r.URL.Host = "127.0.0.2:1"
		return next(r)
	}}
	pausing := plain()
	pausing.Retry.MaxRetryAfter = time.Minute
	cases := []struct {
		name, method, path string
		tr                 *Transport
		timeout            time.Duration
	}{
		{"answer", http.MethodGet, "/ok", plain(), 0},
		{"5xx retried", http.MethodGet, "/503", plain(), 0},
		{"dropped unsafe", http.MethodPost, "/drop", plain(), 0},
		{"dropped safe", http.MethodGet, "/drop", plain(), 0},
		{"oversized", http.MethodGet, "/big", big, 0},
		{"credential refused", http.MethodGet, "/ok", auth, 0},
		{"other origin", http.MethodGet, "/ok", elsewhere, 0},
		{"ctx ends in a pause", http.MethodGet, "/slow429", pausing, 50 * time.Millisecond},
		{"middleware panics", http.MethodGet, "/ok", panicky, 0},
	}
	ctx := WithGate(context.Background(), 1)
	g := ctx.Value(gateKey).(*gate)
	for _, tc := range cases {
		func() {
			defer func() { _ = recover() }()
			rctx, cancel := ctx, context.CancelFunc(func() {})
			if tc.timeout > 0 {
				rctx, cancel = context.WithTimeout(ctx, tc.timeout)
			}
			defer cancel()
			req, _ := http.NewRequestWithContext(rctx, tc.method, srv.URL+tc.path, strings.NewReader(`{"a":1}`))
			if resp, err := tc.tr.RoundTrip(req); err == nil {
				resp.Body.Close()
			}
		}()
		if n := len(g.places); n != 0 {
			t.Fatalf("%s: %d places still held after the request returned", tc.name, n)
		}
	}

	// A request that gives up while another holds the only place takes
	// none, and the holder's leaving frees it.
	g.places <- struct{}{}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(wctx, http.MethodGet, srv.URL+"/ok", nil)
	if _, err := plain().RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for a held place: %v, want the context's error", err)
	}
	<-g.places
	if n := len(g.places); n != 0 {
		t.Fatalf("%d places held after a request gave up waiting", n)
	}
}

// TestGateLetsAMiddlewareRequestThrough: a request a middleware makes with
// the request's own context, while its request holds the gate's only place
// (a look-up, an audit call), does not wait for another place; a request
// made beside it with the gated context does wait.
func TestGateLetsAMiddlewareRequestThrough(t *testing.T) {
	var onWire, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := onWire.Add(1)
		defer onWire.Add(-1)
		for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		writeOK(w)
	}))
	defer srv.Close()
	tr := New(srv.Client().Transport, nil)
	tr.Retry = tinyPolicy(0)
	client := &http.Client{Transport: tr}
	tr.Request.Middleware = []config.Middleware{func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		if r.URL.Path == "/outer" {
			inner, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, srv.URL+"/inner", nil)
			resp, err := client.Do(inner)
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
		}
		return next(r)
	}}
	ctx, cancel := context.WithTimeout(WithGate(context.Background(), 1), 5*time.Second)
	defer cancel()
	done := make(chan error, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/outer", nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("a request with a middleware request under its place: %v", err)
		}
	}
	if peak.Load() != 1 {
		t.Fatalf("%d requests on the wire at once through a gate of one place", peak.Load())
	}
}
