// Package facade builds what the three provider facades share from their
// option.Settings: the checked base URL, the retrying, authenticating
// http.Client, and the local validation of items against the spec.
package facade

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/time/rate"

	"github.com/billbridge/billbridge/internal/specguard"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/transport"
)

// Version is the library version sent in the User-Agent.
const Version = "0.1.0"

// Defaults are one provider's defaults.
type Defaults struct {
	// Provider names the provider in errors ("tight", ...).
	Provider string
	// BaseURL is used when option.WithBaseURL is not given; empty means
	// the caller must give one.
	BaseURL string
	// BatchSize is the default number of items per request.
	BatchSize int
	// Concurrency is the default number of requests in flight.
	Concurrency int
	// RateLimit in requests per second (rate.Inf: none) and its burst.
	RateLimit rate.Limit
	RateBurst int
}

// Built is what a facade needs to run.
type Built struct {
	// BaseURL is the checked base URL, without a trailing slash.
	BaseURL string
	// HTTPClient sends through Transport; hand it to the generated client.
	HTTPClient *http.Client
	// Transport authenticates, retries and rate-limits every attempt.
	Transport *transport.Transport
	// BatchSize and Concurrency are the options or, when unset, the
	// provider's defaults.
	BatchSize, Concurrency int
	// Logger is the option's logger, or one that discards everything.
	Logger *slog.Logger
	// OnProgress is option.WithProgress's callback (nil when unset).
	OnProgress func(batch.Progress)
}

// Build checks s against d and assembles the HTTP stack around auth.
func Build(s *option.Settings, d Defaults, auth transport.Authenticator) (*Built, error) {
	b := &Built{BaseURL: strings.TrimRight(s.BaseURL, "/"), BatchSize: s.BatchSize, Concurrency: s.Concurrency, Logger: s.Logger, OnProgress: s.OnProgress}
	if b.BaseURL == "" {
		b.BaseURL = d.BaseURL
	}
	if err := transport.CheckBaseURL(b.BaseURL, s.AllowHTTP); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Provider, err)
	}
	if b.BatchSize <= 0 {
		b.BatchSize = d.BatchSize
	}
	if b.Concurrency <= 0 {
		b.Concurrency = d.Concurrency
	}
	if b.Logger == nil {
		b.Logger = slog.New(slog.DiscardHandler)
	}
	t := transport.New(nil, auth)
	if s.Retry != nil {
		t.Retry = *s.Retry
	}
	if s.MaxRetries != nil {
		t.Retry.MaxRetries = max(*s.MaxRetries, 0)
	}
	t.UserAgent = s.UserAgent
	if t.UserAgent == "" {
		t.UserAgent = "billbridge/" + Version
	}
	t.Logger = b.Logger
	limit, burst := d.RateLimit, d.RateBurst
	if s.RateLimit != nil {
		limit, burst = *s.RateLimit, s.RateBurst
	}
	if limit != rate.Inf && limit > 0 {
		t.Limiter = rate.NewLimiter(limit, max(burst, 1))
	}
	client := transport.NewHTTPClient(b.Concurrency)
	if s.HTTPClient != nil {
		c := *s.HTTPClient // never modify the caller's client
		client = &c
	}
	t.Base = client.Transport
	if t.Base == nil {
		t.Base = http.DefaultTransport
	}
	client.Transport = t
	b.HTTPClient, b.Transport = client, t
	return b, nil
}

// SpecValidators returns a function that loads a provider's embedded spec
// once per process and returns validators for the named request schemas, in
// order. Parsing the spec takes a noticeable fraction of a second, and the
// validators only read it, so every client of a process shares them.
func SpecValidators(provider string, load func() (*openapi3.T, error), names ...string) func() ([]*Validator, error) {
	return sync.OnceValues(func() ([]*Validator, error) {
		spec, err := load()
		if err != nil {
			return nil, fmt.Errorf("%s: loading the embedded spec: %w", provider, err)
		}
		vs := make([]*Validator, len(names))
		for i, name := range names {
			if vs[i], err = NewValidator(spec, name); err != nil {
				return nil, fmt.Errorf("%s: %w", provider, err)
			}
		}
		return vs, nil
	})
}

// Validator checks items against one schema of a spec before they are sent.
type Validator struct {
	schema *openapi3.Schema
}

// NewValidator returns a validator for components/schemas/<name> of spec.
func NewValidator(spec *openapi3.T, name string) (*Validator, error) {
	ref := spec.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("spec has no schema %q", name)
	}
	return &Validator{schema: ref.Value}, nil
}

// Check validates item (a generated model) and returns a
// *transport.ValidationError naming index and the field path, or nil.
func (v *Validator) Check(index int, item any) error {
	raw, err := json.Marshal(item)
	if err != nil {
		return &transport.ValidationError{Index: index, Reason: "cannot encode: " + err.Error()}
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return &transport.ValidationError{Index: index, Reason: "cannot encode: " + err.Error()}
	}
	if err := v.schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		var first error = err
		if me, ok := err.(openapi3.MultiError); ok && len(me) > 0 {
			first = me[0]
		}
		return &transport.ValidationError{Index: index, Field: specguard.Field(first), Reason: specguard.Reason(first)}
	}
	return nil
}
