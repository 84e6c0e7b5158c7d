package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// tinyPolicy retries n times with waits of a few milliseconds, and caps a
// Retry-After at 50ms, so tests stay fast.
func tinyPolicy(n int) billbridge.RetryPolicy {
	return billbridge.RetryPolicy{MaxRetries: n, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}
}

// errorBody is the kind of JSON error body the providers send.
func errorBody(status int) string {
	code := map[int]string{
		400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 408: "REQUEST_TIMEOUT",
		409: "CONFLICT", 422: "VALIDATION_FAILED", 429: "RATE_LIMIT_EXCEEDED", 500: "INTERNAL_ERROR",
		501: "NOT_IMPLEMENTED", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT",
	}[status]
	return fmt.Sprintf(`{"error":{"type":%q,"message":"%s: please try again later","requestId":"req_%d"}}`, code, http.StatusText(status), status)
}

func writeJSONError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, errorBody(status))
}

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func writeHTML502(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, nginx502)
}

func writeOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"data":[{"id":"cus_1","name":"Ada"}]}`)
}

// hangUp closes the connection without answering.
func hangUp(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// script is a test server that answers request n with steps[n] (the last
// step repeats) and records every request body.
type script struct {
	t      *testing.T
	mu     sync.Mutex
	bodies [][]byte
	hdrs   []http.Header
	n      atomic.Int64
	steps  []func(w http.ResponseWriter, r *http.Request)
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.hdrs = append(s.hdrs, r.Header.Clone())
	s.mu.Unlock()
	n := int(s.n.Add(1)) - 1
	s.steps[min(n, len(s.steps)-1)](w, r)
}

func (s *script) count() int { return int(s.n.Load()) }

func newScript(t *testing.T, steps ...func(w http.ResponseWriter, r *http.Request)) (*script, *httptest.Server) {
	s := &script{t: t, steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func status(code int) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { writeJSONError(w, code) }
}

func ok(w http.ResponseWriter, r *http.Request) { writeOK(w) }

// client returns an http.Client whose Transport is tr over the server's
// own client transport.
func client(srv *httptest.Server, tr *Transport) *http.Client {
	if tr.Base == nil {
		tr.Base = srv.Client().Transport
	}
	return &http.Client{Transport: tr}
}

func get(t *testing.T, c *http.Client, ctx context.Context, url string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(c, req)
}

func post(t *testing.T, c *http.Client, ctx context.Context, url, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestRetriesRetryableStatusesEndToEnd(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request){
		"408":      status(408),
		"429":      status(429),
		"500":      status(500),
		"502":      status(502),
		"503":      status(503),
		"504":      status(504),
		"html-502": func(w http.ResponseWriter, r *http.Request) { writeHTML502(w) },
		"dropped":  func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) },
	}
	for name, fail := range cases {
		t.Run(name, func(t *testing.T) {
			s, srv := newScript(t, fail, fail, ok)
			tr := &Transport{Retry: tinyPolicy(3)}
			ctx, trace := WithTrace(context.Background())
			resp, body, err := get(t, client(srv, tr), ctx, srv.URL+"/v1/customers")
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if resp.StatusCode != 200 || !strings.Contains(string(body), "cus_1") {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if s.count() != 3 || trace.Attempts != 3 || trace.LastStatus != 200 {
				t.Fatalf("server saw %d, trace %+v; want 3 attempts", s.count(), *trace)
			}
			if req, retries := tr.Counts(); req != 3 || retries != 2 {
				t.Fatalf("Counts = %d, %d; want 3, 2", req, retries)
			}
		})
	}
}

func TestDoesNotRetryClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422, 501} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			s, srv := newScript(t, status(code), ok)
			tr := &Transport{Retry: tinyPolicy(3)}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				s.n.Store(0)
				ctx, trace := WithTrace(Idempotent(context.Background()))
				req, _ := http.NewRequestWithContext(ctx, method, srv.URL, strings.NewReader(`{"a":1}`))
				resp, body, err := do(client(srv, tr), req)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != code || string(body) != errorBody(code) {
					t.Fatalf("%s: got %d %q", method, resp.StatusCode, body)
				}
				if s.count() != 1 || trace.Attempts != 1 || trace.LastStatus != code {
					t.Fatalf("%s: server saw %d requests, trace %+v; want 1", method, s.count(), *trace)
				}
			}
		})
	}
}

func TestLastResponseReachesCallerIntact(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprint("req-", i))
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"error":{"type":"SERVICE_UNAVAILABLE","attempt":%d,"pad":%q}}`, i, big)
	}))
	defer srv.Close()
	tr := &Transport{Retry: tinyPolicy(2)}
	resp, body, err := get(t, client(srv, tr), context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"error":{"type":"SERVICE_UNAVAILABLE","attempt":3,"pad":%q}}`, big)
	if resp.StatusCode != 503 || string(body) != want {
		t.Fatalf("got %d, body of %d bytes (want %d)", resp.StatusCode, len(body), len(want))
	}
	if resp.Header.Get("X-Request-Id") != "req-3" || resp.ContentLength != int64(len(want)) {
		t.Fatalf("headers of the last response lost: %v, length %d", resp.Header, resp.ContentLength)
	}
	if n.Load() != 3 {
		t.Fatalf("server saw %d requests, want 3", n.Load())
	}
}

func TestConnectionFailuresRetriedThenReported(t *testing.T) {
	s, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) })
	tr := &Transport{Retry: tinyPolicy(2)}
	ctx, trace := WithTrace(context.Background())
	_, _, err := get(t, client(srv, tr), ctx, srv.URL)
	if err == nil {
		t.Fatal("want an error")
	}
	if errors.Is(err, billbridge.ErrOutcomeUnknown) {
		t.Fatalf("a GET is safe, its outcome is never unknown: %v", err)
	}
	if s.count() != 3 || trace.Attempts != 3 || trace.LastStatus != 0 {
		t.Fatalf("server saw %d, trace %+v; want 3 attempts", s.count(), *trace)
	}
}

func TestRetryAfterSecondsIsHonouredAndCapped(t *testing.T) {
	_, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		writeJSONError(w, 429)
	}, ok)
	tr := &Transport{Retry: tinyPolicy(1)} // backoff ≤ 5ms, Retry-After capped at 50ms
	start := time.Now()
	resp, _, err := post(t, client(srv, tr), context.Background(), srv.URL, `{}`)
	elapsed := time.Since(start)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v", resp, err)
	}
	if elapsed < 50*time.Millisecond || elapsed >= 900*time.Millisecond {
		t.Fatalf("waited %v; want the capped Retry-After of 50ms, not the backoff nor the full second", elapsed)
	}
}

func TestRetryAfterHTTPDateIsHonouredAndCapped(t *testing.T) {
	_, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
		writeJSONError(w, 503)
	}, ok)
	tr := &Transport{Retry: tinyPolicy(1)}
	start := time.Now()
	resp, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
	elapsed := time.Since(start)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v", resp, err)
	}
	if elapsed < 50*time.Millisecond || elapsed >= 900*time.Millisecond {
		t.Fatalf("waited %v; want about 50ms", elapsed)
	}
}

// A zero MaxRetryAfter must not turn a Retry-After into an immediate retry.
func TestZeroMaxRetryAfterStillWaits(t *testing.T) {
	s, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		writeJSONError(w, 429)
	}, ok)
	tr := &Transport{Retry: billbridge.RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := get(t, client(srv, tr), ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the context to end during the 2s wait", err)
	}
	if s.count() != 1 {
		t.Fatalf("server saw %d requests; Retry-After was not honoured", s.count())
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	s, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeJSONError(w, 503)
	})
	tr := &Transport{Retry: billbridge.RetryPolicy{MaxRetries: 5, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: time.Minute}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := get(t, client(srv, tr), ctx, srv.URL)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("returned after %v; the 30s wait was not cut by the context", d)
	}
	if s.count() != 1 {
		t.Fatalf("server saw %d requests, want 1", s.count())
	}
}

// readerOnly hides the concrete type so http.NewRequest sets no GetBody.
type readerOnly struct{ io.Reader }

func TestBodiesReplayedByteIdentical(t *testing.T) {
	payload := make([]byte, 64<<10)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	for name, mk := range map[string]func() io.Reader{
		"bytes.Reader": func() io.Reader { return bytes.NewReader(payload) },
		"plain reader": func() io.Reader { return readerOnly{bytes.NewReader(payload)} },
	} {
		t.Run(name, func(t *testing.T) {
			s, srv := newScript(t, status(503), func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) }, status(500), ok)
			tr := &Transport{Retry: tinyPolicy(5)}
			req, _ := http.NewRequestWithContext(Idempotent(context.Background()), http.MethodPost, srv.URL, mk())
			resp, _, err := do(client(srv, tr), req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("got %v %v", resp, err)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.bodies) != 4 {
				t.Fatalf("server saw %d bodies, want 4", len(s.bodies))
			}
			for i, b := range s.bodies {
				if !bytes.Equal(b, payload) {
					t.Fatalf("attempt %d sent %d bytes that differ from the %d-byte payload", i+1, len(b), len(payload))
				}
			}
		})
	}
}

func TestEmptyBodySentWithContentLength(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, fmt.Sprint(r.ContentLength, r.TransferEncoding))
		writeOK(w)
	}))
	defer srv.Close()
	tr := &Transport{}
	if _, _, err := post(t, client(srv, tr), context.Background(), srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, readerOnly{strings.NewReader("")})
	if _, _, err := do(client(srv, tr), req); err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if g != "0 []" {
			t.Fatalf("empty bodies arrived as %q; want Content-Length 0, not chunked", got)
		}
	}
}

func TestUnsafePost(t *testing.T) {
	t.Run("429 is retried", func(t *testing.T) {
		s, srv := newScript(t, status(429), status(429), ok)
		tr := &Transport{Retry: tinyPolicy(3)}
		resp, _, err := post(t, client(srv, tr), context.Background(), srv.URL, `{"name":"Ada"}`)
		if err != nil || resp.StatusCode != 200 || s.count() != 3 {
			t.Fatalf("got %v %v after %d requests; want 200 after 3", resp, err, s.count())
		}
	})
	for _, code := range []int{408, 500, 502, 503, 504} {
		t.Run(strconv.Itoa(code)+" is not retried", func(t *testing.T) {
			s, srv := newScript(t, status(code), ok)
			tr := &Transport{Retry: tinyPolicy(3)}
			resp, body, err := post(t, client(srv, tr), context.Background(), srv.URL, `{"name":"Ada"}`)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != code || string(body) != errorBody(code) || s.count() != 1 {
				t.Fatalf("got %d %q after %d requests; want the %d answer after 1", resp.StatusCode, body, s.count(), code)
			}
		})
	}
	t.Run("dropped after write is outcome unknown", func(t *testing.T) {
		s, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) }, ok)
		tr := &Transport{Retry: tinyPolicy(3)}
		ctx, trace := WithTrace(context.Background())
		_, _, err := post(t, client(srv, tr), ctx, srv.URL, `{"name":"Ada"}`)
		if !errors.Is(err, billbridge.ErrOutcomeUnknown) {
			t.Fatalf("err = %v; want billbridge.ErrOutcomeUnknown", err)
		}
		if s.count() != 1 || trace.Attempts != 1 {
			t.Fatalf("server saw %d requests, trace %+v; want exactly 1", s.count(), *trace)
		}
	})
	t.Run("idempotent POST is retried on 503", func(t *testing.T) {
		s, srv := newScript(t, status(503), func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) }, ok)
		tr := &Transport{Retry: tinyPolicy(3)}
		resp, _, err := post(t, client(srv, tr), Idempotent(context.Background()), srv.URL, `{"id":"cus_1"}`)
		if err != nil || resp.StatusCode != 200 || s.count() != 3 {
			t.Fatalf("got %v %v after %d requests", resp, err, s.count())
		}
	})
}

// closedURL returns the URL of a port where nothing listens any more.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1/customers"
}

func TestRefusedConnectionRetriedEvenForUnsafePost(t *testing.T) {
	url := closedURL(t)
	base := &countingRT{base: &http.Transport{}}
	tr := &Transport{Base: base, Retry: tinyPolicy(2)}
	ctx, trace := WithTrace(context.Background())
	_, _, err := post(t, &http.Client{Transport: tr}, ctx, url, `{"name":"Ada"}`)
	if err == nil || errors.Is(err, billbridge.ErrOutcomeUnknown) {
		t.Fatalf("err = %v; want a connection error, not outcome unknown (nothing was written)", err)
	}
	// Three tries, none of which reached the wire: none is the item's
	// attempt, none counts as a request, and nothing may have acted.
	if n, _ := tr.Counts(); base.n.Load() != 3 || n != 0 || trace.Attempts != 0 || trace.MaybeActed {
		t.Fatalf("%d tries, %d counted, %d attempts on the wire, maybe acted %v; want 3, 0, 0, false (err %v)", base.n.Load(), n, trace.Attempts, trace.MaybeActed, err)
	}
}

// Fetching a token writes a request; that must not make the API request
// count as written.
func TestRefusedConnectionWithTokenFetchStillRetried(t *testing.T) {
	tokens, _ := tokenServer(t, 3600)
	url := closedURL(t)
	auth := newCC(tokens)
	base := &countingRT{base: &http.Transport{}}
	tr := &Transport{Base: base, Auth: auth, Retry: tinyPolicy(2)}
	ctx, trace := WithTrace(context.Background())
	_, _, err := post(t, &http.Client{Transport: tr}, ctx, url, `{"name":"Ada"}`)
	if err == nil || errors.Is(err, billbridge.ErrOutcomeUnknown) {
		t.Fatalf("err = %v; want a connection error, not outcome unknown", err)
	}
	// Three tries, none of which reached the wire: none is the item's
	// attempt, none counts as a request, and nothing may have acted.
	if n, _ := tr.Counts(); base.n.Load() != 3 || n != 0 || trace.Attempts != 0 || trace.MaybeActed {
		t.Fatalf("%d tries, %d counted, %d attempts on the wire, maybe acted %v; want 3, 0, 0, false (err %v)", base.n.Load(), n, trace.Attempts, trace.MaybeActed, err)
	}
}

func TestLimiterIsWaitedOn(t *testing.T) {
	s, srv := newScript(t, ok)
	lim := rate.NewLimiter(rate.Limit(1e6), 1)
	tr := &Transport{Retry: tinyPolicy(1), Limiter: lim}
	for range 3 {
		if _, _, err := get(t, client(srv, tr), context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := get(t, client(srv, tr), ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rate limiter") {
		t.Fatalf("err = %v; want the limiter's wait to end with the context", err)
	}
	if s.count() != 3 {
		t.Fatalf("server saw %d requests, want 3", s.count())
	}
}

func TestMaxResponseBytes(t *testing.T) {
	s, srv := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":%q}`, strings.Repeat("a", 2000))
	})
	tr := &Transport{Retry: tinyPolicy(3), MaxResponseBytes: 1024}
	_, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "exceeds 1024 bytes") {
		t.Fatalf("err = %v; want a size error", err)
	}
	if s.count() != 1 {
		t.Fatalf("server saw %d requests; an oversized answer is not worth retrying", s.count())
	}
	// Exactly at the cap is fine.
	tr.MaxResponseBytes = int64(len(fmt.Sprintf(`{"data":%q}`, strings.Repeat("a", 2000))))
	if resp, _, err := get(t, client(srv, tr), context.Background(), srv.URL); err != nil || resp.StatusCode != 200 {
		t.Fatalf("at the cap: %v %v", resp, err)
	}
}

func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = io.WriteString(w, `{"data":[{"id":"cus_1","na`)
}

func TestTruncatedJSONSuccess(t *testing.T) {
	t.Run("unsafe", func(t *testing.T) {
		s, srv := newScript(t, truncated, ok)
		tr := &Transport{Retry: tinyPolicy(3)}
		_, _, err := post(t, client(srv, tr), context.Background(), srv.URL, `{"name":"Ada"}`)
		if !errors.Is(err, billbridge.ErrOutcomeUnknown) || s.count() != 1 {
			t.Fatalf("err = %v after %d requests; want billbridge.ErrOutcomeUnknown after 1", err, s.count())
		}
	})
	t.Run("safe", func(t *testing.T) {
		s, srv := newScript(t, truncated, ok)
		tr := &Transport{Retry: tinyPolicy(3)}
		resp, body, err := get(t, client(srv, tr), context.Background(), srv.URL)
		if err != nil || resp.StatusCode != 200 || !json.Valid(body) || s.count() != 2 {
			t.Fatalf("got %v %q %v after %d requests", resp, body, err, s.count())
		}
	})
	t.Run("exhausted", func(t *testing.T) {
		_, srv := newScript(t, truncated)
		tr := &Transport{Retry: tinyPolicy(1)}
		_, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err = %v; want io.ErrUnexpectedEOF", err)
		}
	})
}

func TestAttemptTimeoutCutsTricklingBody(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		rc := http.NewResponseController(w)
		_, _ = io.WriteString(w, `{"data":[`)
		_ = rc.Flush()
		for range 100 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			_, _ = io.WriteString(w, `{},`)
			_ = rc.Flush()
		}
	}))
	defer srv.Close()
	tr := &Transport{Retry: tinyPolicy(1), Request: config.Request{AttemptTimeout: 50 * time.Millisecond}}
	ctx, trace := WithTrace(context.Background())
	_, _, err := get(t, client(srv, tr), ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the attempt deadline", err)
	}
	if trace.Attempts != 2 || n.Load() != 2 {
		t.Fatalf("trace %+v, server %d; want 2 attempts", *trace, n.Load())
	}
}

func TestUserAgentAndNewDefaults(t *testing.T) {
	s, srv := newScript(t, ok)
	tr := New(srv.Client().Transport, Bearer{Token: "tok"})
	tr.UserAgent = "billbridge-test/1.0"
	if d := billbridge.DefaultRetryPolicy(); tr.Retry.MaxRetries != d.MaxRetries || tr.Retry.MaxBackoff != d.MaxBackoff || d.MaxRetries != 5 {
		t.Fatalf("New retry policy = %+v", tr.Retry)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("User-Agent", "other")
	if _, _, err := do(client(srv, tr), req); err != nil {
		t.Fatal(err)
	}
	if ua := s.hdrs[0].Get("User-Agent"); ua != "billbridge-test/1.0" {
		t.Fatalf("User-Agent = %q", ua)
	}
	if req.Header.Get("Authorization") != "" {
		t.Fatal("RoundTrip modified the caller's request")
	}
}

func TestCountsAcrossRequests(t *testing.T) {
	_, srv := newScript(t, status(503), ok, ok)
	tr := &Transport{Retry: tinyPolicy(2)}
	c := client(srv, tr)
	for range 2 {
		if _, _, err := get(t, c, context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	if r, rt := tr.Counts(); r != 3 || rt != 1 {
		t.Fatalf("Counts = %d, %d; want 3, 1", r, rt)
	}
}

func TestRetryPolicyWait(t *testing.T) {
	p := billbridge.RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: 800 * time.Millisecond}
	for n, base := range []time.Duration{100, 200, 400, 800, 800, 800} {
		base *= time.Millisecond
		for range 50 {
			if d := wait(p, n); d < base/2 || d > base {
				t.Fatalf("wait(%d) = %v, want in [%v, %v]", n, d, base/2, base)
			}
		}
	}
	if d := wait(p, 1000); d < 400*time.Millisecond || d > 800*time.Millisecond {
		t.Fatalf("wait(1000) = %v, overflowed the cap", d)
	}
	if d := wait(billbridge.RetryPolicy{}, 3); d != 0 {
		t.Fatalf("zero policy wait = %v", d)
	}
	custom := billbridge.RetryPolicy{Backoff: func(n int) time.Duration { return time.Duration(n) * time.Hour }}
	if wait(custom, 2) != 2*time.Hour {
		t.Fatal("Backoff func ignored")
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999", time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second, true},
	}
	for _, c := range cases {
		got, ok := retryAfter(h(c.v), now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.v, got, ok, c.want, c.ok)
		}
		if got < 0 {
			t.Errorf("retryAfter(%q) is negative", c.v)
		}
	}
}

func TestCheckBaseURL(t *testing.T) {
	cases := []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"https://api.tight.com/v6", false, true},
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080/api", false, true},
		{"http://[::1]:9000", false, true},
		{"http://api.tight.com", false, false},
		{"http://api.tight.com", true, true},
		{"http://10.0.0.1", false, false},
		{"ftp://files.example.com", false, false},
		{"ftp://files.example.com", true, false},
		{"api.tight.com", false, false},
		{"://bad", false, false},
	}
	for _, c := range cases {
		err := CheckBaseURL(c.url, c.allow)
		if (err == nil) != c.ok {
			t.Errorf("CheckBaseURL(%q, %v) = %v; want ok=%v", c.url, c.allow, err, c.ok)
		}
	}
	for _, raw := range []string{"http://user:hunter2@api.example.com", "ftp://user:hunter2@files.example.com", "http://user:hunter2@[::1"} {
		if err := CheckBaseURL(raw, false); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("CheckBaseURL(%q) = %v; want an error without the password", raw, err)
		}
	}
}

func TestNewHTTPClient(t *testing.T) {
	c := NewHTTPClient(8)
	tr, ok := c.Transport.(*http.Transport)
	if !ok || c.Timeout != 0 || tr.MaxIdleConnsPerHost != 8 || tr.MaxIdleConns < 100 {
		t.Fatalf("NewHTTPClient(8) = %+v", c)
	}
}

func TestRetryableStatus(t *testing.T) {
	retryable := map[int]bool{408: true, 429: true, 500: true, 502: true, 503: true, 504: true}
	for code := 100; code < 600; code++ {
		if RetryableStatus(code) != retryable[code] {
			t.Errorf("RetryableStatus(%d) = %v", code, RetryableStatus(code))
		}
	}
}

// TestReadAllOneBufferForADeclaredLength: a body of declared length is read
// into one buffer of that size (the read that finds its end included), and
// a request body that can rewind itself is not copied.
func TestReadAllOneBufferForADeclaredLength(t *testing.T) {
	var tr Transport
	body := bytes.Repeat([]byte("x"), 20_000)
	allocs := testing.AllocsPerRun(50, func() {
		raw := &http.Response{StatusCode: 200, ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}
		data, err := tr.readAll(raw)
		if err != nil || len(data) != len(body) {
			t.Fatalf("read %d bytes, %v", len(data), err)
		}
	})
	if allocs > 3 { // the test's response, reader and NopCloser, and one buffer
		t.Errorf("%.0f allocations to read a %d-byte body of declared length", allocs, len(body))
	}

	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", bytes.NewReader(body))
	rb, err := replayable(req)
	if err != nil || rb.size != int64(len(body)) {
		t.Fatalf("replayable: size %d, %v", rb.size, err)
	}
	for range 2 {
		rc, _ := rb.get()
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, body) {
			t.Fatal("an attempt's body differs from the request's")
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 50
	for range runs {
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", bytes.NewReader(body))
		_, _ = replayable(req)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > uint64(len(body))/2 {
		t.Errorf("replayable allocates %d bytes per %d-byte request: it copies a body that GetBody can give again", per, len(body))
	}
}

// countingRT counts the round trips that reach its base.
type countingRT struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// cancelAfterAnswer is a Base that cancels the request's call once the
// answer has arrived whole: the context ends between the provider acting
// and the caller reading its answer.
type cancelAfterAnswer struct {
	base   http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelAfterAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	c.cancel()
	return resp, err
}

// TestAnswerArrivedBeforeTheContextEnded: an answer that arrived whole is
// the outcome, although the context ended while it was read. Dropping it
// reported "not sent" for a request the provider had acted on (the Tight
// fake held items its results called not sent).
func TestAnswerArrivedBeforeTheContextEnded(t *testing.T) {
	for _, code := range []int{200, 201} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			s, srv := newScript(t, status(code))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ctx, trace := WithTrace(ctx)
			tr := &Transport{Retry: tinyPolicy(3), Base: cancelAfterAnswer{srv.Client().Transport, cancel}}
			resp, _, err := post(t, client(srv, tr), ctx, srv.URL, `{"name":"Ada"}`)
			if err != nil || resp.StatusCode != code {
				t.Fatalf("got %v, %v; want the %d answer", resp, err, code)
			}
			if s.count() != 1 || trace.Attempts != 1 || trace.LastStatus != code {
				t.Fatalf("server saw %d requests, trace %+v", s.count(), *trace)
			}
		})
	}
	t.Run("a retryable answer is not retried after the context ended", func(t *testing.T) {
		s, srv := newScript(t, status(503), status(200))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ctx, trace := WithTrace(ctx)
		tr := &Transport{Retry: tinyPolicy(3), Base: cancelAfterAnswer{srv.Client().Transport, cancel}}
		_, _, err := post(t, client(srv, tr), Idempotent(ctx), srv.URL, `{"id":"cus_1"}`)
		if !errors.Is(err, context.Canceled) || s.count() != 1 || !trace.MaybeActed {
			t.Fatalf("err %v after %d requests, trace %+v; want context.Canceled after 1, maybe acted", err, s.count(), *trace)
		}
	})
}
