package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
	"github.com/billbridge/billbridge/pkg/webhook"
)

// listenCLI is a "billbridge webhooks listen" command running in-process.
type listenCLI struct {
	url    string
	lines  chan string
	stderr *syncBuffer
	all    *syncBuffer // every stdout line
}

func startListenCLI(t *testing.T, args ...string) *listenCLI {
	t.Helper()
	l := &listenCLI{lines: make(chan string, 1000), stderr: &syncBuffer{}, all: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"webhooks", "listen"}, args...), nil, pw, l.stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("webhooks listen exited %d; stderr: %s", code, l.stderr)
			}
		case <-time.After(10 * time.Second):
			t.Error("webhooks listen did not stop on cancel")
		}
	})
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no banner; stderr: %s", l.stderr)
	}
	u, ok := strings.CutPrefix(sc.Text(), "listening on ")
	if !ok {
		t.Fatalf("banner %q", sc.Text())
	}
	l.url = u
	go func() {
		for sc.Scan() {
			fmt.Fprintln(l.all, sc.Text())
			l.lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return l
}

// TestWebhooksListenCountsFakeEvents runs "fake <provider> --webhook-url"
// and "webhooks listen <provider>" in-process, creates customers through
// the facade on the fake (which sends some webhooks twice on purpose), and
// counts the events listen prints: each customer once, and each forwarded
// to a receiver that verifies it again.
func TestWebhooksListenCountsFakeEvents(t *testing.T) {
	const n = 20
	mSecret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("cli webhook test key of 32 bytes"))
	for _, tc := range []struct {
		provider, secret, last string
		create                 func(t *testing.T, srv any)
	}{
		{"tight", "tight-cli-webhook-secret", "TIGHT_TOKEN", func(t *testing.T, srv any) {
			c, err := tight.New(srv.(*tighttest.Server).ClientOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			items := make([]tight.CustomerInput, n)
			for i := range items {
				name := fmt.Sprintf("Customer %d", i)
				items[i].Name = &name
			}
			for _, r := range c.SaveCustomers(context.Background(), items) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
		}},
		{"chargeover", "chargeover-cli-shared-secret", "CHARGEOVER_PASSWORD", func(t *testing.T, srv any) {
			c, err := chargeover.New(srv.(*chargeovertest.Server).ClientOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			items := make([]chargeover.CustomerCreate, n)
			for i := range items {
				items[i].Company = fmt.Sprintf("Company %d", i)
			}
			for _, r := range c.CreateCustomers(context.Background(), items) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
		}},
		{"meteroid", mSecret, "METEROID_API_KEY", func(t *testing.T, srv any) {
			c, err := meteroid.New(srv.(*meteroidtest.Server).ClientOptions()...)
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
		}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			// The forward target verifies what listen forwards.
			var mu sync.Mutex
			forwarded := map[string]int{}
			fh, err := newWebhookHandler(tc.provider, tc.secret, webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			if err != nil {
				t.Fatal(err)
			}
			fh.Fallback(func(_ context.Context, e webhook.Event) error {
				mu.Lock()
				defer mu.Unlock()
				forwarded[e.ID]++
				return nil
			})
			target := httptest.NewServer(fh)
			defer target.Close()

			t.Setenv(webhookSecretEnv(tc.provider), tc.secret) // listen reads it from the environment
			l := startListenCLI(t, tc.provider, "--forward", target.URL+"/app/hooks")
			f := startFakeCLI(t, tc.last, tc.provider, "--webhook-url", l.url+"/any/path", "--webhook-secret", tc.secret, "--webhook-duplicate-rate", "0.5")

			// A delivery without credentials is refused, on stderr only.
			resp, err := http.Post(l.url+"/x", "application/json", strings.NewReader(`{"type":"customer.created"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("unsigned delivery: %d", resp.StatusCode)
			}

			tc.create(t, f.srv)
			seen := map[string]int{}
			timeout := time.After(20 * time.Second)
			for len(seen) < n {
				select {
				case line := <-l.lines:
					var ev listenedEvent
					if err := json.Unmarshal([]byte(line), &ev); err != nil {
						t.Fatalf("not a JSON line: %q", line)
					}
					if ev.Provider != tc.provider || ev.ID == "" || len(ev.Payload) == 0 {
						t.Fatalf("event %q", line)
					}
					seen[ev.EntityID+"|"+ev.ID]++
				case <-timeout:
					t.Fatalf("%d events printed, want %d; stderr: %s", len(seen), n, l.stderr)
				}
			}
			// Duplicates the fake sends after an acknowledgement must not
			// print again: wait for the fake's sender to finish.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var stats struct{ Duplicates int }
			switch s := f.srv.(type) {
			case *tighttest.Server:
				err, stats.Duplicates = s.Webhooks.Flush(ctx), s.Webhooks.Stats().Duplicates
			case *chargeovertest.Server:
				err, stats.Duplicates = s.Webhooks.Flush(ctx), s.Webhooks.Stats().Duplicates
			case *meteroidtest.Server:
				err, stats.Duplicates = s.Webhooks.Flush(ctx), s.Webhooks.Stats().Duplicates
			}
			if err != nil {
				t.Fatal(err)
			}
			select {
			case line := <-l.lines:
				t.Fatalf("an event printed twice or more: %q", line)
			case <-time.After(100 * time.Millisecond):
			}
			for k, c := range seen {
				if c != 1 {
					t.Errorf("%s printed %d times", k, c)
				}
			}
			mu.Lock()
			if len(forwarded) != n {
				t.Errorf("%d events forwarded, want %d", len(forwarded), n)
			}
			mu.Unlock()
			if !strings.Contains(l.stderr.String(), "status=401") {
				t.Errorf("the refusal is not on stderr: %s", l.stderr)
			}
			if strings.Contains(l.all.String(), tc.secret) || strings.Contains(l.stderr.String(), tc.secret) {
				t.Fatal("listen printed the secret")
			}
			t.Logf("%s: %d events printed once each, %d duplicates sent by the fake", tc.provider, n, stats.Duplicates)
		})
	}
}

func TestWebhooksListenUsage(t *testing.T) {
	t.Setenv("TIGHT_WEBHOOK_SECRET", "")
	for _, args := range [][]string{
		{"webhooks"},
		{"webhooks", "serve"},
		{"webhooks", "listen"},
		{"webhooks", "listen", "nosuch", "--secret", "s"},
		{"webhooks", "listen", "tight"}, // no secret
		{"webhooks", "listen", "tight", "--secret", "s", "--forward", "ftp://x"},
		{"webhooks", "listen", "meteroid", "--secret", "not-whsec"},
		{"fake", "tight", "--webhook-url", "http://127.0.0.1:1"}, // no secret
		{"fake", "tight", "--webhook-secret", "s"},               // no URL
	} {
		var stderr syncBuffer
		if code := run(context.Background(), args, nil, io.Discard, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr: %s", args, code, exitUsage, &stderr)
		}
		if strings.Contains(stderr.String(), "not-whsec") {
			t.Errorf("%v: the secret is in the error: %s", args, &stderr)
		}
	}
}
