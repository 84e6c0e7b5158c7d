package fake

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// Configure applies opts in order to a zero Config: the first step of every
// fake's Start.
func Configure[C any, O ~func(*C)](opts []O) C {
	var c C
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Must returns s, or panics with err: a fake's NewServer is its Start
// that panics, as httptest.NewServer does.
func Must[S any](s S, err error) S {
	if err != nil {
		panic(err)
	}
	return s
}

// NewTestServer is every fake's NewTestServer: it starts a fake with opts
// for t, closes it when t ends (Close waits for the handlers in flight, so
// no check runs after the test's cleanup) and, unless opts set a
// CheckResponse, fails t for every response that does not match the spec.
// check gives the Config's CheckResponse field.
func NewTestServer[S interface{ Close() }, C any, O ~func(*C)](t testing.TB, start func(...O) (S, error), opts []O, check func(*C) *func(error)) S {
	t.Helper()
	// Applied last, so that a WithConfig without CheckResponse keeps the
	// check.
	last := func(c *C) {
		if f := check(c); *f == nil {
			*f = func(err error) { t.Errorf("%v", err) }
		}
	}
	s, err := start(append(opts[:len(opts):len(opts)], O(last))...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// RandomHex returns n random bytes in hex: the fakes' generated secrets.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
