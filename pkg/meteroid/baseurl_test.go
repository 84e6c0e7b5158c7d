package meteroid_test

import (
	"context"
	"testing"

	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// TestNewBaseURLFromEnvironment: option.WithBaseURL wins over
// METEROID_BASE_URL, which wins over DefaultBaseURL.
func TestNewBaseURLFromEnvironment(t *testing.T) {
	t.Setenv(meteroid.EnvBaseURL, "")
	c, err := meteroid.New(option.WithToken("k"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != meteroid.DefaultBaseURL {
		t.Errorf("no option, no variable: BaseURL %q, want %q", c.BaseURL(), meteroid.DefaultBaseURL)
	}

	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1))
	t.Setenv(meteroid.EnvBaseURL, srv.URL+"/")
	c, err = meteroid.New(option.WithToken(srv.APIKey))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("from %s: BaseURL %q, want %q", meteroid.EnvBaseURL, c.BaseURL(), srv.URL)
	}
	if _, err := c.GetCustomer(context.Background(), "cus_0"); err != nil {
		t.Fatalf("read through the base URL from %s: %v", meteroid.EnvBaseURL, err)
	}

	t.Setenv(meteroid.EnvBaseURL, "https://meteroid.example.com")
	c, err = meteroid.New(option.WithToken("k"), option.WithBaseURL("https://override.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://override.example.com" {
		t.Errorf("option and variable: BaseURL %q, want the option's", c.BaseURL())
	}
}
