package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	fakeframe "github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/webhook"
	whchargeover "github.com/billbridge/billbridge/pkg/webhook/chargeover"
	whmeteroid "github.com/billbridge/billbridge/pkg/webhook/meteroid"
	whtight "github.com/billbridge/billbridge/pkg/webhook/tight"
)

// webhookSecretEnv names the variable that holds a provider's webhook
// secret when --secret (or fake's --webhook-secret) is not given.
func webhookSecretEnv(provider string) string {
	return strings.ToUpper(provider) + "_WEBHOOK_SECRET"
}

// newWebhookHandler returns the provider's webhook.Handler.
func newWebhookHandler(provider, secret string, opts ...webhook.Option) (*webhook.Handler, error) {
	switch provider {
	case "tight":
		return whtight.NewHandler(secret, opts...)
	case "chargeover":
		return whchargeover.NewHandler(secret, opts...)
	case "meteroid":
		return whmeteroid.NewHandler(secret, opts...)
	}
	return nil, usagef("unknown provider %q: tight, chargeover or meteroid", provider)
}

func validWebhookProvider(p string) bool { return p == "tight" || p == "chargeover" || p == "meteroid" }

// webhookFlags are the flags of "billbridge fake" that make the fake send
// webhooks.
type webhookFlags struct {
	url, secret   string
	duplicateRate float64
}

func (w *webhookFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.url, "webhook-url", "", "send a webhook for every change of the fake's state to this URL")
	fs.StringVar(&w.secret, "webhook-secret", "", "the webhook secret to sign with (default: $<PROVIDER>_WEBHOOK_SECRET)")
	fs.Float64Var(&w.duplicateRate, "webhook-duplicate-rate", 0, "share of webhooks (0..1) sent once more after they were acknowledged")
}

// config maps the flags onto the fake's webhook configuration.
func (w *webhookFlags) config(provider string) (fakeframe.WebhookConfig, error) {
	if w.url == "" {
		if w.secret != "" || w.duplicateRate != 0 {
			return fakeframe.WebhookConfig{}, usagef("--webhook-secret and --webhook-duplicate-rate need --webhook-url")
		}
		return fakeframe.WebhookConfig{}, nil
	}
	if !strings.HasPrefix(w.url, "http://") && !strings.HasPrefix(w.url, "https://") {
		return fakeframe.WebhookConfig{}, usagef("--webhook-url %q: want an http:// or https:// URL", w.url)
	}
	if !validShare(w.duplicateRate) {
		return fakeframe.WebhookConfig{}, usagef("--webhook-duplicate-rate %v: want a share between 0 and 1", w.duplicateRate)
	}
	secret := w.secret
	if secret == "" {
		secret = os.Getenv(webhookSecretEnv(provider))
	}
	if secret == "" {
		return fakeframe.WebhookConfig{}, usagef("--webhook-url needs a secret: give --webhook-secret or set %s", webhookSecretEnv(provider))
	}
	return fakeframe.WebhookConfig{URL: w.url, Secret: secret, DuplicateRate: w.duplicateRate}, nil
}

// webhooksCmd runs "billbridge webhooks <subcommand>".
func webhooksCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "listen" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintln(stderr, "usage: billbridge webhooks listen <tight|chargeover|meteroid> --secret S [--addr A] [--forward URL]")
			return flag.ErrHelp
		}
		return usagef("webhooks wants a subcommand: listen")
	}
	return webhooksListen(ctx, args[1:], stdout, stderr)
}

// listenedEvent is the JSON line "webhooks listen" prints per event.
type listenedEvent struct {
	Provider   string          `json:"provider"`
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	EntityType string          `json:"entity_type,omitempty"`
	EntityID   string          `json:"entity_id,omitempty"`
	Action     string          `json:"action,omitempty"`
	Time       *time.Time      `json:"time,omitempty"`
	Payload    json.RawMessage `json:"payload"`
}

// headerKey is the context key of the delivery's headers, for --forward.
type headerKey struct{}

// webhooksListen runs "billbridge webhooks listen <provider>" until ctx ends.
func webhooksListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var secret, addr, forward string
	fs := flag.NewFlagSet("webhooks listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&secret, "secret", "", "the endpoint's webhook secret (default: $<PROVIDER>_WEBHOOK_SECRET)")
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	fs.StringVar(&forward, "forward", "", "URL that receives every verified delivery as received (headers and body)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: billbridge webhooks listen <tight|chargeover|meteroid> --secret S [--addr A] [--forward URL]")
		fmt.Fprintln(stderr, "takes webhook deliveries on any path, verifies them, prints each verified event once as a JSON line on stdout;")
		fmt.Fprintln(stderr, "refusals go to stderr")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("%v", err)
	}
	if len(pos) != 1 {
		return usagef("webhooks listen wants one provider: tight, chargeover or meteroid")
	}
	provider := pos[0]
	if secret == "" {
		secret = os.Getenv(webhookSecretEnv(provider))
	}
	if !validWebhookProvider(provider) {
		return usagef("unknown provider %q: tight, chargeover or meteroid", provider)
	}
	if secret == "" {
		return usagef("webhooks listen %s: no secret: give --secret or set %s", provider, webhookSecretEnv(provider))
	}
	if forward != "" && !strings.HasPrefix(forward, "http://") && !strings.HasPrefix(forward, "https://") {
		return usagef("--forward %q: want an http:// or https:// URL", forward)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, err := newWebhookHandler(provider, secret, webhook.WithLogger(logger))
	if err != nil {
		return usagef("%v", err)
	}
	var outMu sync.Mutex
	client := &http.Client{Timeout: 30 * time.Second}
	h.Fallback(func(ctx context.Context, e webhook.Event) error {
		if forward != "" {
			hdr, _ := ctx.Value(headerKey{}).(http.Header)
			if err := forwardDelivery(ctx, client, forward, hdr, e.Raw); err != nil {
				return err // 500: the provider sends it again
			}
		}
		line := listenedEvent{Provider: e.Provider, Type: e.Type, ID: e.ID, EntityType: e.EntityType,
			EntityID: e.EntityID, Action: e.Action, Payload: withoutSecret(e.Raw)}
		if !e.Time.IsZero() {
			line.Time = &e.Time
		}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		outMu.Lock()
		defer outMu.Unlock()
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("webhooks listen: %w", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), headerKey{}, r.Header.Clone())))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	outMu.Lock()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	outMu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("webhooks listen: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// forwardDelivery posts the verified delivery, its headers and body as
// received, to url; anything but a 2xx is an error.
func forwardDelivery(ctx context.Context, client *http.Client, url string, hdr http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range hdr {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding", "Accept-Encoding":
			continue
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("forward: %s answered %d", url, resp.StatusCode)
	}
	return nil
}

// withoutSecret drops the security_token a ChargeOver body carries (its
// webhook secret), so that the printed payload never holds a secret.
func withoutSecret(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	if _, ok := m["security_token"]; !ok {
		return raw
	}
	delete(m, "security_token")
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}
