package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	fakepkg "github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// refusedTarget is one provider's fake with a credential it refuses set in
// the environment.
type refusedTarget struct {
	provider, resource string
	batch              bool // the pair takes --batch-size
	line               func(i int) string
	start              func(t *testing.T) (url string, requests func() []fakepkg.Request)
}

var refusedTargets = []refusedTarget{
	{"tight", "customers", true, func(i int) string { return fmt.Sprintf(`{"name":"Refused %d"}`, i) },
		func(t *testing.T) (string, func() []fakepkg.Request) {
			srv := tighttest.NewTestServer(t)
			t.Setenv("TIGHT_TOKEN", "not-the-token")
			t.Setenv("TIGHT_CLIENT_ID", "")
			t.Setenv("TIGHT_CLIENT_SECRET", "")
			return srv.URL, srv.Requests
		}},
	{"chargeover", "customers", true, func(i int) string { return fmt.Sprintf(`{"company":"Refused %d"}`, i) },
		func(t *testing.T) (string, func() []fakepkg.Request) {
			srv := chargeovertest.NewTestServer(t)
			t.Setenv("CHARGEOVER_USERNAME", srv.Username)
			t.Setenv("CHARGEOVER_PASSWORD", "not-the-password")
			return srv.URL, srv.Requests
		}},
	{"meteroid", "customers", false, func(i int) string {
		return fmt.Sprintf(`{"id_or_alias":"refused-%d","billing_email":"a@example.com"}`, i)
	},
		func(t *testing.T) (string, func() []fakepkg.Request) {
			srv := meteroidtest.NewTestServer(t)
			t.Setenv("METEROID_API_KEY", "not-the-key")
			return srv.URL, srv.Requests
		}},
}

// TestPushRefusedCredentials pushes 1,000 lines with a credential the fake
// refuses: one request is sent, the refusal is printed once, on one line,
// and push exits 2 (a credential error), as README says.
func TestPushRefusedCredentials(t *testing.T) {
	for _, tg := range refusedTargets {
		t.Run(tg.provider, func(t *testing.T) {
			url, requests := tg.start(t)
			var in strings.Builder
			for i := range 1000 {
				in.WriteString(tg.line(i) + "\n")
			}
			args := []string{"push", tg.provider, tg.resource, "--base-url", url, "--rate-limit", "-1", "--concurrency", "1"}
			if tg.batch {
				args = append(args, "--batch-size", "10")
			}
			code, stdout, stderr := runCLI(t, in.String(), append(args, "-")...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "401") || !strings.Contains(lines[0], "credentials refused") {
				t.Errorf("stderr has %d lines, want the refusal once:\n%s", len(lines), stderr)
			}
			if n := len(requests()); n != 1 {
				t.Errorf("%d requests reached the fake, want 1", n)
			}
			if !strings.Contains(stdout, "1000 items: 0 succeeded") || !strings.Contains(stdout, "1000 failed") {
				t.Errorf("stdout: %s", stdout)
			}
			t.Logf("stderr: %s", stderr)
		})
	}
}

// TestListRefusedCredentials: list and get with a refused credential print
// the refusal once and exit 2.
func TestListRefusedCredentials(t *testing.T) {
	for _, tg := range refusedTargets {
		t.Run(tg.provider, func(t *testing.T) {
			url, requests := tg.start(t)
			for _, args := range [][]string{
				{"list", tg.provider, tg.resource, "--base-url", url, "--rate-limit", "-1"},
				{"get", tg.provider, tg.resource, "--base-url", url, "--rate-limit", "-1", "1042"},
			} {
				before := len(requests())
				code, stdout, stderr := runCLI(t, "", args...)
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				if code != exitUsage || stdout != "" || len(lines) != 1 || !strings.Contains(stderr, "401") {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and the refusal once", args[0], code, stdout, stderr)
				}
				if n := len(requests()) - before; n != 1 {
					t.Errorf("%s: %d requests, want 1", args[0], n)
				}
			}
		})
	}
}
