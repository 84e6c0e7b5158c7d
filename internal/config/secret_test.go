package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const secretValue = "sk_live_9f8e7d6c5b4a"

type config struct {
	Name     string
	Token    Secret
	Password Secret `json:"password"`
	Nested   struct{ Key Secret }
	Ptr      *Secret
	List     []Secret
	Map      map[string]Secret
}

func newConfig() config {
	s := Secret(secretValue)
	c := config{Name: "tight", Token: secretValue, Password: secretValue, Ptr: &s, List: []Secret{secretValue}, Map: map[string]Secret{"k": secretValue}}
	c.Nested.Key = secretValue
	return c
}

func TestSecretNeverPrinted(t *testing.T) {
	s := Secret(secretValue)
	c := newConfig()
	for _, verb := range []string{"%v", "%s", "%q", "%+v", "%#v", "%x", "%X", "%d", "%10s", "%-20v", "%T %v"} {
		for name, arg := range map[string]any{"secret": s, "struct": c, "pointer": &c} {
			if out := fmt.Sprintf(verb, arg); strings.Contains(out, secretValue) || strings.Contains(out, fmt.Sprintf("%x", secretValue)) {
				t.Errorf("Sprintf(%q, %s) = %q", verb, name, out)
			}
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintf("%q", s); got != `"[redacted]"` {
		t.Errorf("%%q = %s", got)
	}
	if got := s.GoString(); strings.Contains(got, secretValue) {
		t.Errorf("GoString = %q", got)
	}
	if s.Reveal() != secretValue {
		t.Error("Reveal lost the value")
	}
	if Secret("").String() != "" || fmt.Sprint(Secret("")) != "" {
		t.Error("an empty secret should print empty")
	}
	if err := fmt.Errorf("connecting with %v: %w", s, fmt.Errorf("token %s refused", s)); strings.Contains(err.Error(), secretValue) {
		t.Errorf("error text %q", err)
	}
}

func TestSecretNeverLoggedOrMarshalled(t *testing.T) {
	c := newConfig()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("config", "token", c.Token, "config", c, "ptr", &c, slog.Group("g", slog.Any("secret", c.Password)))
	logger.DebugContext(context.Background(), "debug", "secret", Secret(secretValue))
	text := slog.New(slog.NewTextHandler(&buf, nil))
	text.Info("config", "token", c.Token, "config", c)
	if strings.Contains(buf.String(), secretValue) {
		t.Errorf("slog output leaks the secret:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("slog output should show the placeholder:\n%s", buf.String())
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secretValue) {
		t.Errorf("json.Marshal = %s", b)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["password"] != "[redacted]" {
		t.Errorf("json = %s (%v)", b, err)
	}
}
