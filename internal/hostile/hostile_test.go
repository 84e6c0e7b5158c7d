package hostile_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

const (
	tightToken  = "tight-token-hostile-1"
	coUser      = "co-user-hostile"
	coPassword  = "co-password-hostile-2"
	meteroidKey = "pv_sand_hostile_3"
)

// credentials are every form the secrets travel in.
var credentials = []string{tightToken, coPassword, meteroidKey, "Y28tdXNlci1ob3N0aWxlOmNvLXBhc3N3b3JkLWhvc3RpbGUtMg=="}

// fast are the options of every client here: quick retries, no client-side
// rate limit, short attempts.
func fast(extra ...option.Option) []option.Option {
	return append([]option.Option{option.WithRateLimit(0, 0), option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 2,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}),
		option.WithAttemptTimeout(2 * time.Second)}, extra...)
}

// target is one facade's batch call of two items; unsafe says the items are
// creates (a failure after they may have acted is an unknown outcome).
type target struct {
	name   string
	unsafe bool
	run    func(t *testing.T, ctx context.Context, baseURL string, opts ...option.Option) []error
}

var targets = []target{
	{"tight", true, func(t *testing.T, ctx context.Context, url string, opts ...option.Option) []error {
		c, err := tight.New(append(fast(option.WithBaseURL(url), option.WithToken(tightToken)), opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		a, b := "Ada", "Bob"
		// Without create keys: a keyed create would look its keys up
		// first, and the attack would meet that read, not the save.
		return errs(c.SaveCustomers(ctx, []tight.CustomerInput{{Name: &a}, {Name: &b}}, tight.WithoutCreateKeys()))
	}},
	{"chargeover", true, func(t *testing.T, ctx context.Context, url string, opts ...option.Option) []error {
		c, err := chargeover.New(append(fast(option.WithBaseURL(url), option.WithBasicAuth(coUser, coPassword)), opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return errs(c.CreateCustomers(ctx, []chargeover.CustomerCreate{{Company: "Ada Ltd"}, {Company: "Bob Ltd"}}))
	}},
	{"meteroid", false, func(t *testing.T, ctx context.Context, url string, opts ...option.Option) []error {
		c, err := meteroid.New(append(fast(option.WithBaseURL(url), option.WithToken(meteroidKey)), opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		name := "Ada"
		return errs(c.PatchCustomers(ctx, []meteroid.CustomerUpdate{{IDOrAlias: "cus_1", Patch: meteroid.CustomerPatch{Name: &name}},
			{IDOrAlias: "cus_2", Patch: meteroid.CustomerPatch{Name: &name}}}))
	}},
}

func errs[T any](rs []billbridge.Result[T]) []error {
	out := make([]error, len(rs))
	for i, r := range rs {
		out[i] = r.Err
	}
	return out
}

// checkLabels wants every item failed with an *APIError that is not
// retryable-and-unknown at once, wraps want when set, and never shows a
// credential.
func checkLabels(t *testing.T, tg target, got []error, want error) {
	t.Helper()
	if len(got) != 2 {
		t.Fatalf("%s: %d results for 2 items", tg.name, len(got))
	}
	for i, err := range got {
		var ae *billbridge.APIError
		if !errors.As(err, &ae) {
			t.Errorf("%s item %d: %v is not an *APIError", tg.name, i, err)
			continue
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("%s item %d: %v; want it to wrap %v", tg.name, i, err, want)
		}
		if errors.Is(err, billbridge.ErrOutcomeUnknown) && (ae.Retryable || !tg.unsafe) {
			t.Errorf("%s item %d: %v: unknown outcome on a safe call or marked retryable", tg.name, i, err)
		}
		for _, c := range credentials {
			if strings.Contains(fmt.Sprintf("%v %+v", err, ae), c) {
				t.Errorf("%s item %d: the error shows a credential: %v", tg.name, i, err)
			}
		}
	}
}

// thief is another origin that records whatever reaches it.
type thief struct {
	*httptest.Server
	hits  atomic.Int32
	leaks sync.Map // what it saw of credentials and bodies
}

func newThief(t *testing.T) *thief {
	th := &thief{}
	th.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		th.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		th.leaks.Store(r.Header.Get("Authorization")+" "+string(body), true)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(th.Close)
	return th
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// bounded runs f under a deadline and fails when it takes longer.
func bounded(t *testing.T, limit time.Duration, f func(ctx context.Context)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*limit)
	defer cancel()
	start := time.Now()
	f(ctx)
	if d := time.Since(start); d > limit {
		t.Errorf("took %v, want at most %v", d, limit)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 307, 308} {
		for _, tg := range targets {
			t.Run(fmt.Sprintf("%d/%s", code, tg.name), func(t *testing.T) {
				th := newThief(t)
				api := serve(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, th.URL+r.URL.Path, code)
				})
				var got []error
				bounded(t, 5*time.Second, func(ctx context.Context) { got = tg.run(t, ctx, api.URL) })
				checkLabels(t, tg, got, nil)
				for _, err := range got {
					if !strings.Contains(err.Error(), "redirect refused") {
						t.Errorf("%v does not say the redirect was refused", err)
					}
				}
				if th.hits.Load() != 0 {
					t.Fatalf("%d requests reached the other origin", th.hits.Load())
				}
			})
		}
	}
}

// An https API redirecting to http: the downgrade is refused like any
// redirect, and nothing travels in clear text.
func TestRedirectToPlainHTTP(t *testing.T) {
	th := newThief(t)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, th.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	for _, tg := range targets {
		got := tg.run(t, context.Background(), api.URL, option.WithHTTPClient(api.Client()))
		checkLabels(t, tg, got, nil)
	}
	if th.hits.Load() != 0 {
		t.Fatalf("%d requests reached the http origin", th.hits.Load())
	}
}

// heapGrowth runs f and reports how much the live heap grew at most, sampled.
func heapGrowth(f func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	if peak.Load() < base.HeapAlloc {
		return 0
	}
	return peak.Load() - base.HeapAlloc
}

func TestEndlessAnswers(t *testing.T) {
	chunk := bytes.Repeat([]byte(`{"data":[`), 4096)
	endlessBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	endlessHeaders := func(w http.ResponseWriter, r *http.Request) {
		conn, buf, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\n")
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(buf, "X-Filler-%d: %s\r\n", i, strings.Repeat("x", 1000)); err != nil {
				return
			}
			if buf.Flush() != nil {
				return
			}
		}
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write([]byte(`{"data":[`))
	zeros := make([]byte, 1<<20)
	for range 200 { // 200 MB of zeros, about 200 KB compressed
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	gzipBomb := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}
	for _, attack := range []struct {
		name string
		h    http.HandlerFunc
	}{{"endless body", endlessBody}, {"endless headers", endlessHeaders}, {"gzip bomb", gzipBomb}} {
		for _, tg := range targets {
			t.Run(attack.name+"/"+tg.name, func(t *testing.T) {
				api := serve(t, attack.h)
				var got []error
				grew := heapGrowth(func() {
					bounded(t, 10*time.Second, func(ctx context.Context) { got = tg.run(t, ctx, api.URL, option.WithConcurrency(8)) })
				})
				checkLabels(t, tg, got, nil)
				if tg.unsafe {
					// The request was written: a create may have acted.
					for _, err := range got {
						if !errors.Is(err, billbridge.ErrOutcomeUnknown) {
							t.Errorf("%v: want an unknown outcome", err)
						}
					}
				}
				t.Logf("heap grew by %d MiB", grew>>20)
				if grew > 160<<20 {
					t.Errorf("the heap grew by %d MiB", grew>>20)
				}
			})
		}
	}
}

// A server that trickles its answer, or keeps asking for the longest wait,
// cannot hold a call longer than its timeouts.
func TestSlowServersAreBounded(t *testing.T) {
	slowLoris := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		for r.Context().Err() == nil {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, tg := range targets {
		t.Run("slow-loris/"+tg.name, func(t *testing.T) {
			api := serve(t, slowLoris)
			var got []error
			bounded(t, 3*time.Second, func(ctx context.Context) {
				got = tg.run(t, ctx, api.URL, option.WithAttemptTimeout(300*time.Millisecond), option.WithTimeout(time.Second))
			})
			checkLabels(t, tg, got, nil)
		})
	}
	for _, ra := range []string{"86400", "-5", "soon", "Wed, 21 Oct 2099 07:28:00 GMT"} {
		for _, tg := range targets {
			t.Run("Retry-After "+ra+"/"+tg.name, func(t *testing.T) {
				api := serve(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", ra)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, `{"message":"slow down"}`)
				})
				var got []error
				// MaxRetryAfter is 50 ms here: two retries take well under a second.
				bounded(t, time.Second, func(ctx context.Context) { got = tg.run(t, ctx, api.URL) })
				// Only 429s came back: the provider surely did not act.
				checkLabels(t, tg, got, billbridge.ErrNotSent)
			})
		}
	}
}

// The answer of a batch holds more or fewer results than items: nobody can
// say which result is whose, so the creates end as unknown, never as a
// success matched to the wrong item.
func TestWrongResultCounts(t *testing.T) {
	tightAnswer := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"result":"SUCCESS","statusCode":200,"data":{"id":"cus_%d","name":"x"}}`, i)
		}
		return `{"result":"SUCCESS","data":[` + strings.Join(items, ",") + `],"error":[]}`
	}
	coAnswer := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"code":201,"status":"OK","message":"","response":{"id":%d}}`, 1000+i)
		}
		return `{"code":200,"status":"OK","message":"","details":{},"response":{"_bulk":[` + strings.Join(items, ",") + `]}}`
	}
	for _, n := range []int{1, 3} {
		for _, tc := range []struct {
			tg   target
			body string
		}{{targets[0], tightAnswer(n)}, {targets[1], coAnswer(n)}} {
			t.Run(fmt.Sprintf("%s/%d results", tc.tg.name, n), func(t *testing.T) {
				api := serve(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, tc.body)
				})
				got := tc.tg.run(t, context.Background(), api.URL)
				checkLabels(t, tc.tg, got, billbridge.ErrOutcomeUnknown)
			})
		}
	}
}

// Tight's token endpoint failing: one chunk makes a bounded number of token
// requests, and the items end as not sent (no save was sent).
func TestTokenEndpointFailing(t *testing.T) {
	var tokenRequests, saves atomic.Int32
	api := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == tight.TokenPath {
			tokenRequests.Add(1)
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"error":"server_error"}`)
			return
		}
		saves.Add(1)
		w.WriteHeader(500)
	})
	c, err := tight.New(fast(option.WithBaseURL(api.URL), option.WithClientCredentials("client", "client-secret-hostile"),
		option.WithBatchSize(1), option.WithConcurrency(4))...)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tight.CustomerInput, 10)
	for i := range items {
		name := fmt.Sprintf("c%d", i)
		items[i].Name = &name
	}
	var rs []billbridge.Result[tight.Customer]
	bounded(t, 5*time.Second, func(ctx context.Context) { rs = c.SaveCustomers(ctx, items) })
	for i, r := range rs {
		if !errors.Is(r.Err, billbridge.ErrNotSent) || r.Attempts != 0 || strings.Contains(r.Err.Error(), "client-secret-hostile") {
			t.Errorf("item %d: %v after %d attempts; want not sent after 0", i, r.Err, r.Attempts)
		}
	}
	// Ten chunks share one failure per transport.FailureTTL: one round of
	// 1 + tight.TokenRetries requests, not 10 × 6 × 6.
	if n := tokenRequests.Load(); n > 2*(1+tight.TokenRetries) || saves.Load() != 0 {
		t.Fatalf("%d token requests, %d saves", n, saves.Load())
	}
}

// expires_in 0 or negative: one token serves many requests, neither cached
// forever nor fetched for each request.
func TestTokenLifetimes(t *testing.T) {
	for _, expiresIn := range []int{0, -60} {
		var tokenRequests atomic.Int32
		api := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == tight.TokenPath {
				tokenRequests.Add(1)
				fmt.Fprintf(w, `{"access_token":"t","token_type":"Bearer","expires_in":%d}`, expiresIn)
				return
			}
			_, _ = io.WriteString(w, `{"result":"SUCCESS","data":[{"result":"SUCCESS","statusCode":200,"data":{"id":"cus_1"}}],"error":[]}`)
		})
		c, err := tight.New(fast(option.WithBaseURL(api.URL), option.WithClientCredentials("client", "secret"), option.WithBatchSize(1))...)
		if err != nil {
			t.Fatal(err)
		}
		name := "x"
		for i, r := range c.SaveCustomers(context.Background(), []tight.CustomerInput{{Name: &name}, {Name: &name}, {Name: &name}}) {
			if r.Err != nil {
				t.Fatalf("expires_in %d, item %d: %v", expiresIn, i, r.Err)
			}
		}
		if n := tokenRequests.Load(); n != 1 {
			t.Errorf("expires_in %d: %d token requests for 3 saves, want 1", expiresIn, n)
		}
	}
}
