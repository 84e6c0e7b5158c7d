package benchmarks

import (
	"context"
	"net/http"
)

func bearer(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

func basic(user, pass string) func(context.Context, *http.Request) error {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(user, pass)
		return nil
	}
}
