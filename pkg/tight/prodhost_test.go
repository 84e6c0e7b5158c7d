package tight_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// The production host is the spec's second server, and a client is pointed
// at it only by configuration.
func TestProductionHost(t *testing.T) {
	spec, err := tightapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Servers) != 2 || spec.Servers[0].URL != tight.DefaultBaseURL+"/v6" || spec.Servers[1].URL != tight.ProductionBaseURL+"/v6" {
		t.Fatalf("servers %v, want the sandbox then %s/v6", spec.Servers, tight.ProductionBaseURL)
	}
	t.Setenv(tight.EnvBaseURL, "")
	c, err := tight.New(option.WithToken("x"))
	if err != nil || c.BaseURL() != tight.DefaultBaseURL {
		t.Fatalf("default %q, %v", c.BaseURL(), err)
	}
	c, err = tight.New(option.WithToken("x"), option.WithBaseURL(tight.ProductionBaseURL+"/v6"))
	if err != nil || c.BaseURL() != tight.ProductionBaseURL {
		t.Fatalf("production %q, %v", c.BaseURL(), err)
	}
}

// Credentials never leave for a host other than the configured one: the
// token is fetched from the configured host (not the spec's tokenUrl, not
// production), and a redirect to another host is not followed, so the other
// host sees no request at all.
func TestCredentialsStayOnTheConfiguredHost(t *testing.T) {
	var mu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer other.Close()
	var seen []string
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == tight.TokenPath {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok_secret","token_type":"Bearer","expires_in":3600}`))
			return
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer home.Close()
	c, err := tight.New(option.WithBaseURL(home.URL), option.WithClientCredentials("id", "secret_value"), fastRetry(), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPayment(context.Background(), "ptxn_1"); err == nil {
		t.Fatal("a redirect to another host was followed to a success")
	}
	if _, err := c.GetInvoicingSetup(context.Background()); err == nil {
		t.Fatal("a redirect to another host was followed to a success")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) != 0 {
		t.Fatalf("the other host saw %v", elsewhere)
	}
	if len(seen) < 3 || seen[0] != "POST "+tight.TokenPath || !strings.HasPrefix(seen[1], "GET /v6/payments/") {
		t.Fatalf("the configured host saw %v", seen)
	}
}
