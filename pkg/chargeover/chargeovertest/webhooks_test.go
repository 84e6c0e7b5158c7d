package chargeovertest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/webhook"
	whchargeover "github.com/billbridge/billbridge/pkg/webhook/chargeover"
)

// TestWebhooksExactlyOnce creates 50 customers through the facade, then
// deletes 10; the fake sends a webhook for each change to a receiver
// (pkg/webhook's Handler with ChargeOver's verifier) that answers 500 now
// and then, drops connections before and after acting, while the sender
// loses attempts and sends duplicates. Every change must reach the
// receiver's function exactly once.
func TestWebhooksExactlyOnce(t *testing.T) {
	const n, deleted, secret = 50, 10, "SFkJ3fy02n17YxNXm96tCGUKVTOAIBsH"
	var mu sync.Mutex
	seen := map[string]int{}
	h, err := whchargeover.NewHandler(secret, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.Fallback(func(_ context.Context, e webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[e.Type+" "+e.EntityID]++
		return nil
	})
	faults := fault.New(fault.Config{Seed: 7, Rates: map[fault.Kind]float64{
		fault.Status500: 0.15, fault.DropBefore: 0.1, fault.DropAfter: 0.1, fault.Status500After: 0.1,
	}}, nil)
	receiver := httptest.NewServer(faults.Wrap(h))
	defer receiver.Close()

	srv := chargeovertest.NewTestServer(t, chargeovertest.WithWebhookConfig(fake.WebhookConfig{
		URL: receiver.URL, Secret: secret, DuplicateRate: 0.2, DropRate: 0.1, Seed: 3, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxAttempts: 50,
	}))
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	items, keys := make([]chargeover.CustomerCreate, n), make([]string, n)
	for i := range items {
		keys[i] = fmt.Sprintf("k-%d", i)
		items[i] = chargeover.CustomerCreate{Company: fmt.Sprintf("Company %d", i), ExternalKey: &keys[i]}
	}
	var ids []int64
	for _, r := range c.CreateCustomers(ctx, items) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ids = append(ids, r.Value)
	}
	for _, id := range ids[:deleted] {
		if err := c.DeleteCustomer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.Webhooks.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	st := srv.Webhooks.Stats()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n+deleted || st.Delivered != n+deleted || st.Failed != 0 {
		t.Fatalf("%d changes seen, %+v; want %d", len(seen), st, n+deleted)
	}
	for i, id := range ids {
		want := map[string]int{fmt.Sprintf("customer.insert %d", id): 1}
		if i < deleted {
			want[fmt.Sprintf("customer.delete %d", id)] = 1
		}
		for k, v := range want {
			if seen[k] != v {
				t.Errorf("%s handled %d times", k, seen[k])
			}
		}
	}
	if st.Duplicates == 0 || st.Retries == 0 {
		t.Errorf("no duplicates or no retries: %+v", st)
	}
	t.Logf("%d changes, each handled once: sender %+v, receiver faults %v", n+deleted, st, faults.Counts())
}

// TestWebhooksBilling: invoices, payments and items send their webhooks
// too, a payment applied to an invoice as an invoice.update.
func TestWebhooksBilling(t *testing.T) {
	const secret = "billing-secret-0123456789abcdef"
	var mu sync.Mutex
	seen := map[string]int{}
	h, err := whchargeover.NewHandler(secret, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.Fallback(func(_ context.Context, e webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[e.Type]++
		return nil
	})
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	srv := chargeovertest.NewTestServer(t, chargeovertest.WithWebhooks(receiver.URL, secret))
	c, err := chargeover.New(srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, item, inv, gw, amount := "acme", "it-1", "inv-1", "gw-1", 10.0
	if _, err := c.CreateCustomer(ctx, chargeover.CustomerCreate{Company: "Acme", ExternalKey: &key}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateItem(ctx, chargeover.ItemCreate{Name: "Support", ExternalKey: &item}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateInvoice(ctx, chargeover.InvoiceCreate{CustomerExternalKey: &key, ExternalKey: &inv,
		LineItems: []chargeover.InvoiceLineCreate{{ItemExternalKey: &item, LineRate: &amount}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTransaction(ctx, chargeover.TransactionCreate{CustomerExternalKey: &key, GatewayTransid: &gw,
		TransactionType: chargeover.TransactionPay, Amount: &amount,
		AppliedTo: &[]chargeover.TransactionApplication{{InvoiceExternalKey: &inv}}}); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.Webhooks.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, typ := range []string{"customer.insert", "item.insert", "invoice.insert", "transaction.insert", "invoice.update"} {
		if seen[typ] != 1 {
			t.Errorf("%s seen %d times (all: %v)", typ, seen[typ], seen)
		}
	}
}
