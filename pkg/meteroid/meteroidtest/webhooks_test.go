package meteroidtest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/webhook"
	whmeteroid "github.com/billbridge/billbridge/pkg/webhook/meteroid"
)

// TestWebhooksExactlyOnce creates 50 customers through the facade; the
// fake sends a customer.created for each to a receiver (pkg/webhook's
// Handler with Meteroid's verifier) that answers 500 now and then, drops
// connections before and after acting, while the sender loses attempts and
// sends duplicates. Every customer must reach the receiver's function
// exactly once.
func TestWebhooksExactlyOnce(t *testing.T) {
	const n = 50
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("meteroidtest webhook key 32 byte"))
	var mu sync.Mutex
	seen := map[string]int{}
	h, err := whmeteroid.NewHandler(secret, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.On(whmeteroid.TypeCustomerCreated, func(_ context.Context, e webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[e.Data.(*whmeteroid.CustomerEvent).CustomerID]++
		return nil
	})
	faults := fault.New(fault.Config{Seed: 7, Rates: map[fault.Kind]float64{
		fault.Status500: 0.15, fault.DropBefore: 0.1, fault.DropAfter: 0.1, fault.Status500After: 0.1,
	}}, nil)
	receiver := httptest.NewServer(faults.Wrap(h))
	defer receiver.Close()

	srv := meteroidtest.NewTestServer(t, meteroidtest.WithWebhookConfig(fake.WebhookConfig{
		URL: receiver.URL, Secret: secret, DuplicateRate: 0.2, DropRate: 0.1, Seed: 3, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxAttempts: 50,
	}))
	c, err := meteroid.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]meteroid.CustomerCreate, n)
	for i := range items {
		items[i] = meteroid.CustomerCreate{Name: fmt.Sprintf("Customer %d", i), Currency: meteroidapi.CurrencyEUR}
	}
	for _, r := range c.CreateCustomers(context.Background(), items) {
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
	for id, v := range seen {
		if _, ok := srv.Customer(id); v != 1 || !ok || !strings.HasPrefix(id, "cus_") {
			t.Errorf("%s handled %d times (stored: %v)", id, v, ok)
		}
	}
	if st.Duplicates == 0 || st.Retries == 0 {
		t.Errorf("no duplicates or no retries: %+v", st)
	}
	t.Logf("%d customers, each handled once: sender %+v, receiver faults %v", n, st, faults.Counts())
}

// TestWebhooksRefuseABadSecret: a secret that is not a whsec_ key fails
// Start, rather than every delivery.
func TestWebhooksRefuseABadSecret(t *testing.T) {
	if srv, err := meteroidtest.Start(meteroidtest.WithWebhooks("http://127.0.0.1:1", "not-a-whsec-key")); err == nil {
		srv.Close()
		t.Fatal("Start accepted a secret that is not a whsec_ key")
	} else if strings.Contains(err.Error(), "not-a-whsec-key") {
		t.Fatalf("the error holds the secret: %v", err)
	}
}
