package option_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/pkg/option"
)

func apply(opts ...option.Option) *config.Client {
	return (&config.Client{}).Apply(opts...)
}

func TestClientOptionsFillTheConfig(t *testing.T) {
	var progress billbridge.Progress
	c := apply(
		option.WithBaseURL("https://api.example.com"),
		option.WithAllowHTTP(),
		option.WithBatchSize(7),
		option.WithConcurrency(3),
		option.WithRateLimit(0, 0),
		option.WithUserAgent("ua/1"),
		option.WithProgress(func(p billbridge.Progress) { progress = p }),
		option.WithToken("tok"),
		option.WithBasicAuth("u", "p"),
		option.WithClientCredentials("id", "secret"),
		option.WithMaxRetries(2),
		option.WithHeader("X-Trace", "a"),
		nil, // ignored
	)
	if c.BaseURL != "https://api.example.com" || !c.AllowHTTP || c.BatchSize != 7 || c.Concurrency != 3 || c.UserAgent != "ua/1" {
		t.Fatalf("config = %+v", c)
	}
	if c.RateLimit == nil || *c.RateLimit != rate.Inf {
		t.Fatalf("WithRateLimit(0, 0) = %v, want rate.Inf", c.RateLimit)
	}
	if c.Token.Reveal() != "tok" || c.Username.Reveal() != "u" || c.Password.Reveal() != "p" || c.ClientID.Reveal() != "id" || c.ClientSecret.Reveal() != "secret" {
		t.Fatal("credentials not set")
	}
	// Request options given to New are the defaults of every call.
	if c.Request.MaxRetries == nil || *c.Request.MaxRetries != 2 || c.Request.Header.Get("X-Trace") != "a" {
		t.Fatalf("request defaults = %+v", c.Request)
	}
	c.OnProgress(billbridge.Progress{Done: 1})
	if progress.Done != 1 {
		t.Fatal("WithProgress not wired")
	}
}

func TestConfigPrintsNoCredential(t *testing.T) {
	c := apply(option.WithToken("tok-secret"), option.WithBasicAuth("basic-user", "basic-pass"), option.WithClientCredentials("client-id", "client-secret"))
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", *c)} {
		for _, secret := range []string{"tok-secret", "basic-user", "basic-pass", "client-id", "client-secret"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows %q", out, secret)
			}
		}
	}
}

func TestRequestOptionsMergeOverTheClients(t *testing.T) {
	base := apply(option.WithHeader("X-A", "client"), option.WithMaxRetries(5), option.WithAttemptTimeout(time.Second),
		option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(r) }))
	call := (&config.Request{}).Apply(option.WithHeader("X-B", "call"), option.WithMaxRetries(0),
		option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 9}),
		option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(r) }))
	got := base.Request.Merge(call)
	if got.Header.Get("X-A") != "client" || got.Header.Get("X-B") != "call" || base.Request.Header.Get("X-B") != "" {
		t.Fatalf("headers = %v (client's %v)", got.Header, base.Request.Header)
	}
	if got.AttemptTimeout != time.Second || len(got.Middleware) != 2 || len(base.Request.Middleware) != 1 {
		t.Fatalf("merged = %+v", got)
	}
	// WithMaxRetries wins over the policy's MaxRetries, and a policy
	// without durations gets the defaults (no retry storm).
	p := got.Policy(billbridge.DefaultRetryPolicy())
	if p.MaxRetries != 0 || p.MinBackoff != billbridge.DefaultRetryPolicy().MinBackoff {
		t.Fatalf("policy = %+v", p)
	}
}

// The deprecated WithCreateKey still sets the call's create key function.
func TestWithCreateKeyStillSetsTheKey(t *testing.T) {
	r := (&config.Request{}).Apply(option.WithCreateKey(func(i int, _ any) string { return fmt.Sprint("k", i) }))
	if r.CreateKey == nil || r.CreateKey(3, nil) != "k3" {
		t.Fatal("WithCreateKey did not set CreateKey")
	}
}
