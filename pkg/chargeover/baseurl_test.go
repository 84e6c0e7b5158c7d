package chargeover_test

import (
	"context"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestNewBaseURLFromEnvironment: WithSite and option.WithBaseURL win over
// CHARGEOVER_BASE_URL; without any of them New fails naming the variable.
func TestNewBaseURLFromEnvironment(t *testing.T) {
	t.Setenv(chargeover.EnvBaseURL, "")
	if _, err := chargeover.New(option.WithBasicAuth("u", "p")); err == nil || !strings.Contains(err.Error(), chargeover.EnvBaseURL) {
		t.Errorf("no host: err = %v, want one naming %s", err, chargeover.EnvBaseURL)
	}

	srv := chargeovertest.NewTestServer(t)
	// The documented spelling with /api/v3 is accepted from the
	// environment too.
	t.Setenv(chargeover.EnvBaseURL, srv.URL+"/api/v3")
	c, err := chargeover.New(option.WithBasicAuth(srv.Username, srv.Password), option.WithRetryPolicy(fastRetries))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("from %s: BaseURL %q, want %q", chargeover.EnvBaseURL, c.BaseURL(), srv.URL)
	}
	if r := chargeover.CreateOne(c, context.Background(), cust("envurl-1", "Env URL Inc.")); r.Err != nil {
		t.Errorf("create through the base URL from %s: %v", chargeover.EnvBaseURL, r.Err)
	}

	t.Setenv(chargeover.EnvBaseURL, "https://from-env.chargeover.com")
	for _, o := range []option.Option{chargeover.WithSite("acme"), option.WithBaseURL("https://acme.chargeover.com")} {
		c, err := chargeover.New(o, option.WithBasicAuth("u", "p"))
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != "https://acme.chargeover.com" {
			t.Errorf("option and variable: BaseURL %q, want the option's", c.BaseURL())
		}
	}
	// The variable is checked as WithSite is: a bad site name is refused.
	t.Setenv(chargeover.EnvBaseURL, "https://my site.chargeover.com")
	if _, err := chargeover.New(option.WithBasicAuth("u", "p")); err == nil || !strings.Contains(err.Error(), "DNS label") {
		t.Errorf("bad site from the environment: err = %v", err)
	}
}
