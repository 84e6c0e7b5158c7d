package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
)

const (
	clientID     = "client-7a1b"
	clientSecret = "s3cr3t-client-value-do-not-log"
)

// tokenStats records what a token endpoint saw.
type tokenStats struct {
	mu        sync.Mutex
	n         atomic.Int64
	forms     []url.Values
	auths     []string
	fail      atomic.Int64 // answer the next fail requests with status failWith
	failWith  int
	expiresIn atomic.Int64
}

// tokenServer is an OAuth2 token endpoint that wants client_credentials with
// HTTP Basic client auth, and hands out tok-1, tok-2, ...
func tokenServer(t *testing.T, expiresIn int) (*httptest.Server, *tokenStats) {
	st := &tokenStats{failWith: http.StatusUnauthorized}
	st.expiresIn.Store(int64(expiresIn))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		st.mu.Lock()
		st.forms = append(st.forms, r.PostForm)
		st.auths = append(st.auths, r.Header.Get("Authorization"))
		st.mu.Unlock()
		if st.fail.Load() > 0 {
			st.fail.Add(-1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(st.failWith)
			_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
			return
		}
		id, secret, ok := r.BasicAuth()
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" || !ok || id != clientID || secret != clientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_request"}`)
			return
		}
		n := st.n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":%d}`, n, st.expiresIn.Load())
	}))
	t.Cleanup(srv.Close)
	return srv, st
}

// apiServer answers 200 to the token it accepts and 401 EXPIRED_TOKEN to
// any other, recording the Authorization headers it saw.
type apiServer struct {
	mu     sync.Mutex
	auths  []string
	accept func(auth string) bool
}

func (a *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.auths = append(a.auths, r.Header.Get("Authorization"))
	a.mu.Unlock()
	if !a.accept(r.Header.Get("Authorization")) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"type":"EXPIRED_TOKEN","message":"The access token has expired"}}`)
		return
	}
	writeOK(w)
}

func (a *apiServer) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...)
}

func newCC(tokens *httptest.Server) *ClientCredentials {
	return &ClientCredentials{
		TokenURL: tokens.URL, ClientID: clientID, ClientSecret: clientSecret,
		Params:     url.Values{"scope": {"customers invoices"}},
		StaleCodes: []string{"EXPIRED_TOKEN", "INVALID_TOKEN"},
	}
}

func TestBearerAndBasic(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "https://api.example.com", nil)
	if err := (Bearer{Token: "tok-abc"}).Authenticate(req); err != nil || req.Header.Get("Authorization") != "Bearer tok-abc" {
		t.Fatalf("Bearer: %v %q", err, req.Header.Get("Authorization"))
	}
	if err := (Bearer{}).Authenticate(req); err == nil {
		t.Fatal("an empty bearer token must be an error")
	}
	req = httptest.NewRequest(http.MethodGet, "https://api.example.com", nil)
	if err := (Basic{Username: "user", Password: "pa:ss"}).Authenticate(req); err != nil {
		t.Fatal(err)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pa:ss"))
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("Basic = %q, want %q", got, want)
	}
	if u, p, _ := req.BasicAuth(); u != "user" || p != "pa:ss" {
		t.Fatalf("BasicAuth = %q %q", u, p)
	}
	if err := (Basic{Password: "x"}).Authenticate(req); err == nil {
		t.Fatal("an empty username must be an error")
	}
}

func TestAuthThroughTransport(t *testing.T) {
	api := &apiServer{accept: func(a string) bool { return a == "Bearer static-token" }}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tr := &Transport{Auth: Bearer{Token: "static-token"}}
	resp, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	tr.Auth = Bearer{}
	_, _, err = get(t, client(srv, tr), context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "no bearer token") {
		t.Fatalf("err = %v", err)
	}
}

func TestClientCredentialsFlowAndCache(t *testing.T) {
	tokens, st := tokenServer(t, 3600)
	api := &apiServer{accept: func(a string) bool { return a == "Bearer tok-1" }}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tr := &Transport{Auth: newCC(tokens), Retry: tinyPolicy(2)}
	c := client(srv, tr)
	for range 3 {
		resp, _, err := get(t, c, context.Background(), srv.URL)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
	}
	if st.n.Load() != 1 {
		t.Fatalf("token fetched %d times, want 1 (cached)", st.n.Load())
	}
	st.mu.Lock()
	form, auth := st.forms[0], st.auths[0]
	st.mu.Unlock()
	if form.Get("grant_type") != "client_credentials" || form.Get("scope") != "customers invoices" {
		t.Fatalf("token form = %v", form)
	}
	if form.Has("client_secret") || form.Has("client_id") {
		t.Fatalf("client credentials went in the form instead of HTTP Basic: %v", form)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret)); auth != want {
		t.Fatalf("token request Authorization = %q", auth)
	}
	for _, a := range api.seen() {
		if a != "Bearer tok-1" {
			t.Fatalf("API saw %q", a)
		}
	}
}

func TestClientCredentialsRefreshesNearExpiry(t *testing.T) {
	tokens, st := tokenServer(t, 3600)
	cc := newCC(tokens)
	ctx := context.Background()
	if tok, err := cc.Token(ctx); err != nil || tok != "tok-1" {
		t.Fatalf("%q %v", tok, err)
	}
	// Still well before expiry: cached.
	cc.mu.Lock()
	cc.tok.Expiry = time.Now().Add(2 * time.Minute)
	cc.mu.Unlock()
	if tok, _ := cc.Token(ctx); tok != "tok-1" {
		t.Fatalf("token %q replaced too early", tok)
	}
	// Within the (default one-minute) margin: replaced.
	cc.mu.Lock()
	cc.tok.Expiry = time.Now().Add(30 * time.Second)
	cc.mu.Unlock()
	if tok, _ := cc.Token(ctx); tok != "tok-2" {
		t.Fatalf("token %q not replaced within the margin", tok)
	}
	// A margin longer than half a token's life shrinks to half its life: a
	// 120 s token with a 5 min margin is kept, not fetched on every call...
	st.expiresIn.Store(120)
	cc.ExpiryMargin = 5 * time.Minute
	cc.Invalidate()
	a, _ := cc.Token(ctx)
	b, _ := cc.Token(ctx)
	if a != b || st.n.Load() != 3 {
		t.Fatalf("tokens %q %q after %d fetches; want one fetch, reused", a, b, st.n.Load())
	}
	// ...until half of its life is left.
	cc.mu.Lock()
	cc.tok.Expiry = time.Now().Add(59 * time.Second)
	cc.mu.Unlock()
	if c, _ := cc.Token(ctx); c == b {
		t.Fatalf("token %q not replaced with less than half its life left", c)
	}
}

func TestStaleTokenRefreshedOnce(t *testing.T) {
	t.Run("second token accepted", func(t *testing.T) {
		tokens, st := tokenServer(t, 3600)
		api := &apiServer{accept: func(a string) bool { return a == "Bearer tok-2" }}
		srv := httptest.NewServer(api)
		defer srv.Close()
		tr := &Transport{Auth: newCC(tokens), Retry: tinyPolicy(0)}
		resp, body, err := post(t, client(srv, tr), context.Background(), srv.URL, `{"name":"Ada"}`)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %q %v", resp, body, err)
		}
		if got := api.seen(); len(got) != 2 || got[0] != "Bearer tok-1" || got[1] != "Bearer tok-2" {
			t.Fatalf("API saw %q", got)
		}
		if st.n.Load() != 2 {
			t.Fatalf("token fetched %d times, want 2", st.n.Load())
		}
	})
	t.Run("second 401 is an answer", func(t *testing.T) {
		tokens, st := tokenServer(t, 3600)
		api := &apiServer{accept: func(string) bool { return false }}
		srv := httptest.NewServer(api)
		defer srv.Close()
		tr := &Transport{Auth: newCC(tokens), Retry: tinyPolicy(3)}
		ctx, trace := WithTrace(Idempotent(context.Background()))
		resp, body, err := get(t, client(srv, tr), ctx, srv.URL)
		if err != nil || resp.StatusCode != 401 || !strings.Contains(string(body), "EXPIRED_TOKEN") {
			t.Fatalf("%v %q %v", resp, body, err)
		}
		if n := len(api.seen()); n != 2 || trace.Attempts != 2 {
			t.Fatalf("API saw %d requests, trace %+v; want exactly 2", n, *trace)
		}
		if st.n.Load() != 2 {
			t.Fatalf("token fetched %d times, want 2", st.n.Load())
		}
	})
	t.Run("401 without a stale code is not refreshed", func(t *testing.T) {
		tokens, st := tokenServer(t, 3600)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSONError(w, 401) }))
		defer srv.Close()
		tr := &Transport{Auth: newCC(tokens), Retry: tinyPolicy(3)}
		resp, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
		if err != nil || resp.StatusCode != 401 || st.n.Load() != 1 {
			t.Fatalf("%v %v, %d token fetches", resp, err, st.n.Load())
		}
	})
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		tokens, st := tokenServer(t, 3600)
		st.fail.Store(100)
		api := &apiServer{accept: func(string) bool { return true }}
		srv := httptest.NewServer(api)
		defer srv.Close()
		tr := &Transport{Auth: newCC(tokens), Retry: tinyPolicy(3)}
		_, _, err := get(t, client(srv, tr), context.Background(), srv.URL)
		var ae *billbridge.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Code != "invalid_client" || ae.Operation != "createToken" || ae.Retryable {
			t.Fatalf("err = %#v", err)
		}
		if !strings.Contains(ae.Message, "Client authentication failed") {
			t.Fatalf("message = %q", ae.Message)
		}
		if strings.Contains(err.Error(), clientSecret) {
			t.Fatalf("error leaks the client secret: %v", err)
		}
		st.mu.Lock()
		n := len(st.forms)
		st.mu.Unlock()
		if n != 1 || len(api.seen()) != 0 {
			t.Fatalf("token endpoint asked %d times, API %d; a refused credential is not retried", n, len(api.seen()))
		}
	})
	t.Run("unavailable then ok", func(t *testing.T) {
		tokens, st := tokenServer(t, 3600)
		st.failWith = http.StatusServiceUnavailable
		st.fail.Store(2)
		api := &apiServer{accept: func(string) bool { return true }}
		srv := httptest.NewServer(api)
		defer srv.Close()
		// The token client retries on its own; the request's transport
		// does not retry a failed token fetch again (that would multiply
		// the token requests).
		cc := newCC(tokens)
		cc.HTTPClient = &http.Client{Transport: &Transport{Retry: tinyPolicy(3)}}
		tr := &Transport{Auth: cc, Retry: tinyPolicy(3)}
		resp, _, err := post(t, client(srv, tr), context.Background(), srv.URL, `{}`)
		if err != nil || resp.StatusCode != 200 || len(api.seen()) != 1 {
			t.Fatalf("%v %v; API saw %d", resp, err, len(api.seen()))
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		cc := &ClientCredentials{TokenURL: closedURL(t), ClientID: clientID, ClientSecret: clientSecret}
		_, err := cc.Token(context.Background())
		var ae *billbridge.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 0 || ae.Err == nil {
			t.Fatalf("err = %#v", err)
		}
		if strings.Contains(err.Error(), clientSecret) {
			t.Fatalf("error leaks the client secret: %v", err)
		}
	})
}

// The token request is its own request: it must not record into the
// caller's Trace, and it is retried by a retrying token client.
func TestTokenRequestKeptOutOfCallerTrace(t *testing.T) {
	tokens, st := tokenServer(t, 3600)
	st.failWith = http.StatusServiceUnavailable
	st.fail.Store(1)
	api := &apiServer{accept: func(string) bool { return true }}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cc := newCC(tokens)
	cc.HTTPClient = &http.Client{Transport: &Transport{Base: tokens.Client().Transport, Retry: tinyPolicy(2)}}
	tr := &Transport{Auth: cc, Retry: tinyPolicy(2)}
	ctx, trace := WithTrace(context.Background())
	resp, _, err := post(t, client(srv, tr), ctx, srv.URL, `{"name":"Ada"}`)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if trace.Attempts != 1 || trace.LastStatus != 200 {
		t.Fatalf("trace = %+v; want the API request's single attempt only", *trace)
	}
	if st.n.Load() != 1 {
		t.Fatalf("tokens issued %d", st.n.Load())
	}
}

func TestClientCredentialsConcurrentUse(t *testing.T) {
	tokens, st := tokenServer(t, 3600)
	api := &apiServer{accept: func(a string) bool { return a == "Bearer tok-1" }}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tr := &Transport{Auth: newCC(tokens)}
	c := client(srv, tr)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if resp, _, err := get(t, c, context.Background(), srv.URL); err != nil || resp.StatusCode != 200 {
				t.Errorf("%v %v", resp, err)
			}
		})
	}
	wg.Wait()
	if st.n.Load() != 1 {
		t.Fatalf("token fetched %d times by concurrent requests, want 1", st.n.Load())
	}
}

func TestNoCredentialInLogsOrErrors(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokens, _ := tokenServer(t, 3600)
	cc := newCC(tokens)
	s, srv := newScript(t, status(503), func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) }, status(429), status(502))
	tr := &Transport{Auth: cc, Retry: tinyPolicy(3), Logger: logger}
	resp, _, err := get(t, client(srv, tr), context.Background(), srv.URL+"/v1/customers?page=2")
	// (≥ 4: net/http itself may resend a GET once on a reused connection
	// that was closed before answering.)
	if err != nil || resp.StatusCode != 502 || s.count() < 4 {
		t.Fatalf("%v %v after %d", resp, err, s.count())
	}
	// An unsafe request dropped after writing, and one to a closed port.
	s2, srv2 := newScript(t, func(w http.ResponseWriter, r *http.Request) { hangUp(t, w) })
	_, _, err1 := post(t, client(srv2, &Transport{Auth: cc, Retry: tinyPolicy(2), Logger: logger}), context.Background(), srv2.URL, `{}`)
	_, _, err2 := get(t, &http.Client{Transport: &Transport{Base: &http.Transport{}, Auth: Bearer{Token: "tok-static-bearer"}, Retry: tinyPolicy(2), Logger: logger}}, context.Background(), closedURL(t))
	if err1 == nil || err2 == nil || s2.count() != 1 {
		t.Fatalf("want errors: %v, %v", err1, err2)
	}
	secrets := []string{clientSecret, "tok-1", "tok-static-bearer", base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret))}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 5 {
		t.Fatalf("want a debug line per retry, got:\n%s", logs.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] != "billbridge: retrying" {
			t.Fatalf("log line %q", l)
		}
	}
	for _, sec := range secrets {
		for what, text := range map[string]string{"logs": logs.String(), "err1": err1.Error(), "err2": err2.Error()} {
			if strings.Contains(text, sec) {
				t.Errorf("%s contain the credential %q:\n%s", what, sec, text)
			}
		}
	}
	if !strings.Contains(logs.String(), `"status":503`) || !strings.Contains(logs.String(), `"path":"/v1/customers"`) {
		t.Errorf("logs lack status/path:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "page=2") {
		t.Errorf("logs carry the query string:\n%s", logs.String())
	}
}

// A token living shorter than twice ExpiryMargin is kept for half its life,
// not fetched again on every request.
func TestClientCredentialsShortLivedTokenIsReused(t *testing.T) {
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"short","token_type":"Bearer","expires_in":60}`)
	}))
	defer srv.Close()
	cc := &ClientCredentials{TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret", ExpiryMargin: 5 * time.Minute}
	for range 5 {
		if _, err := cc.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetched.Load(); n != 1 {
		t.Fatalf("a 60 s token with a 5 min margin was fetched %d times for 5 requests, want 1", n)
	}
}

func TestClientCredentialsPrintsNoCredential(t *testing.T) {
	tokens, _ := tokenServer(t, 3600)
	cc := newCC(tokens)
	if _, err := cc.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%s", "%+v", "%#v"} {
		out := fmt.Sprintf(verb, cc)
		for _, sec := range []string{clientSecret, clientID, "tok-1"} {
			if strings.Contains(out, sec) {
				t.Errorf("Sprintf(%q, cc) = %q contains %q", verb, out, sec)
			}
		}
	}
	if !strings.Contains(cc.String(), tokens.URL) {
		t.Errorf("String() = %q should name the token URL", cc.String())
	}
}

// expires_in 0 used to cache a token forever and a negative one fetched a
// token for every request: both are short-lived with a floor now.
func TestTokenLifetimeFloor(t *testing.T) {
	for _, expiresIn := range []int{0, -30} {
		tokens, st := tokenServer(t, expiresIn)
		cc := newCC(tokens)
		for range 5 {
			if _, err := cc.Token(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if n := st.n.Load(); n != 1 {
			t.Errorf("expires_in %d: %d token requests for 5 uses, want 1", expiresIn, n)
		}
		cc.mu.Lock()
		life := time.Until(cc.tok.Expiry)
		cc.mu.Unlock()
		if life <= 0 || life > ShortTokenLifetime {
			t.Errorf("expires_in %d: token lives %v, want at most %v", expiresIn, life, ShortTokenLifetime)
		}
	}
}

// A failing token endpoint is asked once per FailureTTL, not once per
// request waiting for a token.
func TestTokenFailureShared(t *testing.T) {
	tokens, st := tokenServer(t, 3600)
	st.failWith = http.StatusInternalServerError
	st.fail.Store(1000)
	cc := newCC(tokens)
	var wg sync.WaitGroup
	var errs atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := cc.Token(context.Background()); err != nil {
				errs.Add(1)
			}
		}()
	}
	wg.Wait()
	st.mu.Lock()
	asked := len(st.forms)
	st.mu.Unlock()
	if errs.Load() != 10 || asked != 1 {
		t.Fatalf("%d of 10 failed, token endpoint asked %d times; want 10 failures from 1 request", errs.Load(), asked)
	}
}

// TestGateLetsTheTokenFetchThrough: a token fetched for a request that holds
// the gate's only place goes through a Transport too, and must not wait for
// a second place (it would wait for ever).
func TestGateLetsTheTokenFetchThrough(t *testing.T) {
	tokens, _ := tokenServer(t, 3600)
	api := &apiServer{accept: func(a string) bool { return a == "Bearer tok-1" }}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cc := newCC(tokens)
	cc.HTTPClient = &http.Client{Transport: &Transport{Base: tokens.Client().Transport}}
	ctx, cancel := context.WithTimeout(WithGate(context.Background(), 1), 5*time.Second)
	defer cancel()
	resp, _, err := get(t, client(srv, &Transport{Auth: cc}), ctx, srv.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
}
