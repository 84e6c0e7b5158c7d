package tight_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
)

// A password in the base URL's user information must not show when the
// client is printed.
func TestClientPrintsNoURLPassword(t *testing.T) {
	c, err := tight.New(option.WithBaseURL("https://user:urlpass@api.example.com"), option.WithToken("tok-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(out, "urlpass") || strings.Contains(out, "tok-secret") {
			t.Errorf("client printed as %q", out)
		}
	}
}
