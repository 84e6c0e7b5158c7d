package tight_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// fastRetry keeps the tests fast: the real schedule, shrunk to milliseconds.
func fastRetry() option.Option {
	return option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 5, MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond})
}

// newClient returns a client of srv with its static token, fast retries and
// no client-side rate limit; opts come last and win.
func newClient(t testing.TB, srv *tighttest.Server, opts ...option.Option) *tight.Client {
	t.Helper()
	base := append(srv.ClientOptions(), fastRetry())
	c, err := tight.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newCustomers returns n valid customers without id, named prefix-<i>.
func newCustomers(prefix string, n int) []tight.CustomerInput {
	out := make([]tight.CustomerInput, n)
	for i := range out {
		out[i] = tight.CustomerInput{Name: flex.Ptr(fmt.Sprintf("%s-%d", prefix, i)), Email: flex.Ptr(fmt.Sprintf("c%d@example.com", i))}
	}
	return out
}

// upsertCustomers returns n valid customers with ids prefix-<i>.
func upsertCustomers(prefix string, n int) []tight.CustomerInput {
	out := newCustomers(prefix, n)
	for i := range out {
		out[i].Id = flex.Ptr(fmt.Sprintf("cus_%s_%d", prefix, i))
	}
	return out
}

// checkOrdered fails unless results has one result per item, in order.
func checkOrdered[T any](t testing.TB, results []billbridge.Result[T], n int) {
	t.Helper()
	if len(results) != n {
		t.Fatalf("got %d results for %d items", len(results), n)
	}
	for i, r := range results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
	}
}

// nameCounts counts the fake's customers by name.
func nameCounts(srv *tighttest.Server) map[string]int {
	m := map[string]int{}
	for _, c := range srv.Customers() {
		if c.Name != nil {
			m[*c.Name]++
		}
	}
	return m
}

// logBuffer is a concurrency-safe sink for a JSON slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// authRecorder is a base RoundTripper that remembers every Authorization
// header the client sent, so a test can look for the tokens in output.
type authRecorder struct {
	mu    sync.Mutex
	seen  map[string]bool
	inner http.RoundTripper
}

func newAuthRecorder() *authRecorder {
	return &authRecorder{seen: map[string]bool{}, inner: http.DefaultTransport}
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		a.mu.Lock()
		_, cred, _ := strings.Cut(h, " ")
		a.seen[cred] = true
		a.mu.Unlock()
	}
	return a.inner.RoundTrip(r)
}

func (a *authRecorder) credentials() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for k := range a.seen {
		out = append(out, k)
	}
	return out
}

// isQuery tells the fault injector to spare the queries: a keyed create
// looks its keys up before sending, and tests of the save's own faults
// script the saves alone.
func isQuery(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/query") }
