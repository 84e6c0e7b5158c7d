package option_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/option"
)

func TestSettingsPrintNoCredential(t *testing.T) {
	s := option.Apply(
		option.WithBaseURL("https://user:urlpass@api.example.com"),
		option.WithToken("tok-secret"),
		option.WithBasicAuth("basic-user", "basic-pass"),
		option.WithClientCredentials("client-id", "client-secret"),
	)
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%v", *s), fmt.Sprintf("%+v", *s), fmt.Sprintf("%#v", *s), fmt.Sprintf("%#v", s)} {
		for _, secret := range []string{"urlpass", "tok-secret", "basic-user", "basic-pass", "client-id", "client-secret"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows %q", out, secret)
			}
		}
	}
}
