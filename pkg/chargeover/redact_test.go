package chargeover_test

import (
	"fmt"
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

// Printing a client, in any verb, shows neither the base URL's password nor
// the credentials (fmt.Printf("%v", client) printed http://user:PASSWORD@...).
func TestClientPrintsNoCredential(t *testing.T) {
	c, err := chargeover.New(option.WithBaseURL("http://user:urlpass-9@127.0.0.1:1"), option.WithBasicAuth("api-user-7", "private-key-8"))
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		for _, secret := range []string{"urlpass-9", "private-key-8"} {
			if strings.Contains(out, secret) {
				t.Errorf("Sprintf(%q) = %q shows %q", verb, out, secret)
			}
		}
		if !strings.Contains(out, "127.0.0.1") {
			t.Errorf("Sprintf(%q) = %q does not say the host", verb, out)
		}
	}
}
