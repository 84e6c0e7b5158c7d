package transport_test

import (
	"strings"
	"testing"

	"github.com/billbridge/billbridge/internal/transport"
)

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://api.example.com/v6":           "https://api.example.com/v6",
		"https://user:s3cret@api.example.com/": "https://user:xxxxx@api.example.com/",
		"https://user:s3cret@ho st/":           "(invalid URL)",
		"":                                     "",
	} {
		got := transport.RedactURL(raw)
		if got != want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
