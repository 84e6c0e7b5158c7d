// Package meteroid verifies and decodes Meteroid's webhooks for the
// webhook.Handler.
//
// Meteroid sends its webhooks through Svix, which follows Standard Webhooks:
// every delivery carries webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature, a space-separated list of "v1,<base64 HMAC-SHA256>"
// over "<id>.<timestamp>.<body>" keyed with the endpoint's secret
// ("whsec_<base64 key>"). Several signatures appear while a secret is being
// rotated; one match suffices. The signature is checked by the Standard
// Webhooks reference library (constant-time); the timestamp tolerance (default
// 5 minutes either way) is checked here, so that it can be configured and
// tested against the handler's clock.
//
// Proves: the body, the id and the time were signed by the holder of the
// secret; a captured delivery can be replayed only within the tolerance,
// and the Handler drops a repeated webhook-id. Does not protect against: a
// leaked secret; replays within the tolerance to a receiver without a
// shared dedupe store (several replicas, each with its own memory).
//
// Event types (27) are those of Meteroid's OpenAPI `webhooks` section.
// Customer, invoice and subscription events decode into CustomerEvent,
// InvoiceEvent and SubscriptionEvent; every other type (and any type
// Meteroid adds later) arrives with Data nil, its type name in Event.Type,
// and the body in Event.Raw.
package meteroid

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/billbridge/billbridge/pkg/webhook"
)

// Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far webhook-timestamp may be from the receiver's
// clock, in either direction, unless WithTolerance says otherwise.
const DefaultTolerance = 5 * time.Minute

// Verifier implements webhook.Provider for Meteroid.
type Verifier struct {
	wh        *standardwebhooks.Webhook
	tolerance time.Duration
}

var _ webhook.Provider = (*Verifier)(nil)

// Option configures a Verifier.
type Option func(*Verifier)

// WithTolerance sets how far the signed timestamp may be from now, in
// either direction (default DefaultTolerance). d <= 0 keeps the default.
func WithTolerance(d time.Duration) Option {
	return func(v *Verifier) {
		if d > 0 {
			v.tolerance = d
		}
	}
}

// New returns a Verifier for the endpoint secret ("whsec_…", as Meteroid
// shows it). The error never contains the secret.
func New(secret string, opts ...Option) (*Verifier, error) {
	if strings.TrimPrefix(secret, "whsec_") == "" {
		return nil, errors.New("meteroid webhook: empty secret")
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, errors.New("meteroid webhook: the secret is not whsec_ followed by base64")
	}
	v := &Verifier{wh: wh, tolerance: DefaultTolerance}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// NewHandler is webhook.NewHandler(New(secret)), for the common case.
func NewHandler(secret string, opts ...webhook.Option) (*webhook.Handler, error) {
	v, err := New(secret)
	if err != nil {
		return nil, err
	}
	return webhook.NewHandler(v, opts...), nil
}

// Name implements webhook.Provider.
func (*Verifier) Name() string { return "meteroid" }

// Verify implements webhook.Provider: the three headers must be present, the
// timestamp within the tolerance of now, and one of the signatures must
// match.
func (v *Verifier) Verify(h http.Header, body []byte, now time.Time) error {
	id, ts, sig := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return fmt.Errorf("meteroid: %w: webhook-id, webhook-timestamp and webhook-signature are required", webhook.ErrUnsigned)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("meteroid: %w: webhook-timestamp is not Unix seconds", webhook.ErrMalformed)
	}
	at := time.Unix(secs, 0)
	if d := now.Sub(at); d > v.tolerance {
		return fmt.Errorf("meteroid: %w: signed %s ago (tolerance %s)", webhook.ErrTimestamp, d.Round(time.Second), v.tolerance)
	} else if -d > v.tolerance {
		return fmt.Errorf("meteroid: %w: signed %s in the future (tolerance %s)", webhook.ErrTimestamp, (-d).Round(time.Second), v.tolerance)
	}
	// The library's own tolerance is a fixed 5 minutes against time.Now,
	// so the time was checked above and the signature alone is checked here.
	if err := v.wh.VerifyIgnoringTimestamp(body, h); err != nil {
		if errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			return fmt.Errorf("meteroid: %w", webhook.ErrSignature)
		}
		return fmt.Errorf("meteroid: %w: %v", webhook.ErrMalformed, err)
	}
	return nil
}

// Sign returns the Standard Webhooks headers for body, as Meteroid would
// send them: for fakes and tests of code that receives Meteroid webhooks.
func Sign(secret, id string, at time.Time, body []byte) (http.Header, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, errors.New("meteroid webhook: the secret is not whsec_ followed by base64")
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set("Content-Type", "application/json")
	return h, nil
}
