package transport

import (
	"net/http"
	"testing"
)

func TestRequestIDAndIsJSON(t *testing.T) {
	h := http.Header{}
	if RequestID(h) != "" {
		t.Error("request id from empty headers")
	}
	h.Set("X-Correlation-Id", "corr-1")
	if got := RequestID(h); got != "corr-1" {
		t.Errorf("RequestID = %q, want corr-1", got)
	}
	h.Set("X-Request-Id", "req-1")
	if got := RequestID(h); got != "req-1" {
		t.Errorf("RequestID = %q, want req-1 (X-Request-Id first)", got)
	}
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "application/problem+json": true,
		"text/html; charset=utf-8": false, "": false, "text/plain": false,
	} {
		if got := IsJSON(http.Header{"Content-Type": {ct}}); got != want {
			t.Errorf("IsJSON(%q) = %t, want %t", ct, got, want)
		}
	}
}
