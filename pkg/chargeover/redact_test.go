package chargeover_test

import (
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/option"
)

// The site-name check must not quote the user information of a base URL:
// it holds a password.
func TestSiteCheckQuotesNoURLPassword(t *testing.T) {
	_, err := chargeover.New(option.WithBaseURL("https://user:urlpass@bad_site.chargeover.com"), option.WithBasicAuth("u", "p"))
	if err == nil || !strings.Contains(err.Error(), "DNS label") || strings.Contains(err.Error(), "urlpass") {
		t.Errorf("err = %v, want a DNS label error without the password", err)
	}
	if _, err := chargeover.New(option.WithBaseURL("https://user:urlpass@acme.chargeover.com/api/v3"), option.WithBasicAuth("u", "p")); err != nil {
		t.Errorf("valid site with user information refused: %v", err)
	}
}
