package tight_test

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// TestNewBaseURLFromEnvironment: option.WithBaseURL wins over TIGHT_BASE_URL,
// which wins over DefaultBaseURL.
func TestNewBaseURLFromEnvironment(t *testing.T) {
	t.Setenv(tight.EnvBaseURL, "")
	c, err := tight.New(option.WithToken("x"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != tight.DefaultBaseURL {
		t.Errorf("no option, no variable: BaseURL %q, want %q", c.BaseURL(), tight.DefaultBaseURL)
	}

	srv := tighttest.NewTestServer(t)
	// The documented spelling with /v6 is accepted from the environment too.
	t.Setenv(tight.EnvBaseURL, srv.URL+"/v6/")
	c, err = tight.New(option.WithToken(srv.Token), fastRetry(), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("from %s: BaseURL %q, want %q", tight.EnvBaseURL, c.BaseURL(), srv.URL)
	}
	if res := c.SaveCustomers(context.Background(), newCustomers("env-url", 1)); res[0].Err != nil {
		t.Fatalf("save through the base URL from %s: %v", tight.EnvBaseURL, res[0].Err)
	}

	t.Setenv(tight.EnvBaseURL, "https://tight.example.com")
	c, err = tight.New(option.WithToken("x"), option.WithBaseURL("https://override.example.com/v6"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://override.example.com" {
		t.Errorf("option and variable: BaseURL %q, want the option's", c.BaseURL())
	}

	// The variable is checked as the option is: plain http off loopback
	// is refused.
	t.Setenv(tight.EnvBaseURL, "http://tight.example.com")
	if _, err := tight.New(option.WithToken("x")); err == nil {
		t.Error("plain http off loopback from the environment was accepted")
	}
}
