package meteroid_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// fastRetry keeps retry tests quick: millisecond backoffs, Retry-After
// capped at 50 ms.
var fastRetry = billbridge.RetryPolicy{MaxRetries: 5, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}

// newClient points a client at srv with fast retries and no client-side
// rate limit (the tests measure the server's 429s, not our own pacing).
func newClient(t testing.TB, srv *meteroidtest.Server, opts ...option.Option) *meteroid.Client {
	t.Helper()
	base := append(srv.ClientOptions(), option.WithRetryPolicy(fastRetry), option.WithConcurrency(4))
	c, err := meteroid.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// logRecorder is a slog.Handler that keeps every record, to check what the
// transport logged (waits) and what it did not (credentials).
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// waits returns the "wait" attribute of every retry line.
func (h *logRecorder) waits() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []time.Duration
	for _, r := range h.records {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "wait" {
				out = append(out, a.Value.Duration())
			}
			return true
		})
	}
	return out
}

// text renders every record with its attributes.
func (h *logRecorder) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, r := range h.records {
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

// The fake records operations by the embedded spec's operationId, which
// oapi-codegen capitalises ("PatchCustomer"), while specs/meteroid.yaml and
// APIError.Operation say "patchCustomer".
const (
	opPatch = "PatchCustomer"
	opGet   = "GetCustomer"
)

type retryLine struct {
	status int
	wait   time.Duration
}

// retries returns the status and wait of every retry line.
func (h *logRecorder) retries() []retryLine {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []retryLine
	for _, r := range h.records {
		var l retryLine
		ok := false
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "wait":
				l.wait, ok = a.Value.Duration(), true
			case "status":
				l.status = int(a.Value.Int64())
			}
			return true
		})
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// settle waits until the fake has logged no new request for 100 ms (at most
// 3 s): after a break, a request the client abandoned may still reach the
// fake, and a count taken too early would miss it.
func settle(srv *meteroidtest.Server) {
	deadline := time.Now().Add(3 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		n := len(srv.Requests())
		if n == last {
			return
		}
		last = n
		time.Sleep(100 * time.Millisecond)
	}
}
