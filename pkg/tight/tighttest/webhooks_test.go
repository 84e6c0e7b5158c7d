package tighttest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
	"github.com/billbridge/billbridge/pkg/webhook"
	whtight "github.com/billbridge/billbridge/pkg/webhook/tight"
)

// TestWebhooksExactlyOnce creates 50 customers through the facade; the
// fake sends a webhook for each to a receiver (pkg/webhook's Handler with
// Tight's verifier) that answers 500 now and then, drops connections before
// and after acting, while the sender loses attempts and sends duplicates.
// Every customer must reach the receiver's function exactly once.
func TestWebhooksExactlyOnce(t *testing.T) {
	const n, secret = 50, "tight-webhook-secret"
	var mu sync.Mutex
	seen := map[string]int{}
	h, err := whtight.NewHandler(secret, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.On(whtight.TypeEntityUpdate, func(_ context.Context, e webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[e.EntityType+"/"+e.EntityID]++
		return nil
	})
	faults := fault.New(fault.Config{Seed: 7, Rates: map[fault.Kind]float64{
		fault.Status500: 0.15, fault.DropBefore: 0.1, fault.DropAfter: 0.1, fault.Status500After: 0.1,
	}}, nil)
	receiver := httptest.NewServer(faults.Wrap(h))
	defer receiver.Close()

	srv := tighttest.NewTestServer(t, tighttest.WithWebhookConfig(fake.WebhookConfig{
		URL: receiver.URL + "/hooks/tight", Secret: secret, DuplicateRate: 0.2, DropRate: 0.1, Seed: 3, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxAttempts: 50,
	}))
	c, err := tight.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tight.CustomerInput, n)
	for i := range items {
		items[i].Name = ptr(fmt.Sprintf("Customer %d", i))
	}
	for _, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Webhooks.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := srv.Webhooks.Stats()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n || st.Delivered != n || st.Failed != 0 {
		t.Fatalf("%d customers seen, %+v; want %d", len(seen), st, n)
	}
	for k, v := range seen {
		if v != 1 || !strings.HasPrefix(k, "customers/cus_") {
			t.Errorf("%s handled %d times", k, v)
		}
	}
	if st.Duplicates == 0 || st.Retries == 0 {
		t.Errorf("no duplicates or no retries: %+v", st)
	}
	t.Logf("%d customers, each handled once: sender %+v, receiver faults %v", n, st, faults.Counts())
}

func ptr[T any](v T) *T { return &v }
