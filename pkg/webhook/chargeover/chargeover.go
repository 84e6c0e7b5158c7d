// Package chargeover verifies and decodes ChargeOver's webhooks for the
// webhook.Handler.
//
// ChargeOver does not sign its webhooks: it sends the endpoint's static
// shared secret ("shared secret token") twice, in the X-ChargeOver-Key
// header and as security_token in the JSON body. Both must equal the secret;
// they are compared in constant time (over SHA-256 digests, so that not even
// the length of the secret leaks through timing).
//
// What that proves, and only that: the sender knows the secret. The key
// does not depend on the body or on the time, so it gives no integrity
// beyond what TLS gives on the way, and no replay protection: anyone who
// once sees a delivery (a proxy, a log, a debugging tool that stores
// requests) can send any body, at any time, for as long as the secret is
// unchanged. The Handler's deduplication drops an exact resend within its
// window, nothing more. Keep the endpoint on https (ChargeOver requires it),
// never log headers or bodies, rotate the secret if either leaked, and treat
// a webhook as a hint: read the entity back through the API before acting
// on money.
//
// Type is "<context_str>.<event>" (e.g. "customer.insert",
// "invoice.update"); the entity is data.<context_str>.
package chargeover

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/billbridge/billbridge/pkg/webhook"
)

// Header is the header that carries the shared secret.
const Header = "X-ChargeOver-Key"

// Verifier implements webhook.Provider for ChargeOver.
type Verifier struct {
	digest [sha256.Size]byte // of the secret; the secret itself is not kept
}

var _ webhook.Provider = (*Verifier)(nil)

// New returns a Verifier for the endpoint's shared secret token. The error
// never contains the secret.
func New(sharedSecret string) (*Verifier, error) {
	if sharedSecret == "" {
		return nil, errors.New("chargeover webhook: empty shared secret")
	}
	return &Verifier{digest: sha256.Sum256([]byte(sharedSecret))}, nil
}

// NewHandler is webhook.NewHandler(New(sharedSecret)), for the common case.
func NewHandler(sharedSecret string, opts ...webhook.Option) (*webhook.Handler, error) {
	v, err := New(sharedSecret)
	if err != nil {
		return nil, err
	}
	return webhook.NewHandler(v, opts...), nil
}

// Name implements webhook.Provider.
func (*Verifier) Name() string { return "chargeover" }

func (v *Verifier) matches(s string) bool {
	d := sha256.Sum256([]byte(s))
	return subtle.ConstantTimeCompare(d[:], v.digest[:]) == 1
}

// Verify implements webhook.Provider: the header and the body's
// security_token must both be present and both equal the secret. now is
// not used: the scheme has no time.
func (v *Verifier) Verify(h http.Header, body []byte, _ time.Time) error {
	key := h.Get(Header)
	var p struct {
		SecurityToken *string `json:"security_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("chargeover: %w: the body is not a JSON object", webhook.ErrMalformed)
	}
	if key == "" || p.SecurityToken == nil || *p.SecurityToken == "" {
		return fmt.Errorf("chargeover: %w: both the %s header and security_token are required", webhook.ErrUnsigned, Header)
	}
	// Both compared, always, so that the time does not tell which failed.
	okHeader, okBody := v.matches(key), v.matches(*p.SecurityToken)
	if !okHeader || !okBody {
		return fmt.Errorf("chargeover: %w (header %s, security_token %s)", webhook.ErrSignature, verdict(okHeader), verdict(okBody))
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "matches"
	}
	return "does not match"
}

// Payload is a ChargeOver webhook body. Data holds one member named after
// ContextStr (e.g. {"customer": {...}}), kept raw because its shape is the
// entity's.
type Payload struct {
	ContextStr string                     `json:"context_str"`
	ContextID  json.Number                `json:"context_id"`
	Event      string                     `json:"event"`
	Data       map[string]json.RawMessage `json:"data"`
}

// Entity returns the raw entity under data.<context_str>.
func (p *Payload) Entity() json.RawMessage { return p.Data[p.ContextStr] }

// Decode implements webhook.Provider. The security_token is not kept in
// Event.Data (Raw, the body as received, still holds it: do not log Raw).
//
// ChargeOver sends no delivery id, so Event.ID is derived from the payload:
// context, id, event, the entity's mod_datetime when present, and a
// SHA-256 of data. A retry resends the same body and gets the same id.
// Event.Time is mod_datetime ("2006-01-02 15:04:05", read as UTC: ChargeOver
// does not say which zone it writes).
func (*Verifier) Decode(_ http.Header, body []byte) (webhook.Event, error) {
	ev := webhook.Event{Provider: "chargeover", Raw: append([]byte(nil), body...)}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		// A field of an unexpected shape: keep what the envelope says.
		var loose struct {
			ContextStr string `json:"context_str"`
			Event      string `json:"event"`
		}
		if json.Unmarshal(body, &loose) != nil {
			return ev, fmt.Errorf("chargeover: %w: %v", webhook.ErrMalformed, err)
		}
		ev.Type, ev.EntityType, ev.Action = loose.ContextStr+"."+loose.Event, loose.ContextStr, loose.Event
		ev.ID = ev.Type + "|" + hash(body)
		return ev, nil
	}
	ev.Type = p.ContextStr + "." + p.Event
	ev.EntityType, ev.EntityID, ev.Action = p.ContextStr, p.ContextID.String(), p.Event
	var ent struct {
		ModDatetime string `json:"mod_datetime"`
	}
	_ = json.Unmarshal(p.Entity(), &ent)
	if t, err := time.Parse(time.DateTime, ent.ModDatetime); err == nil {
		ev.Time = t
	}
	data, _ := json.Marshal(p.Data) // map keys sorted: stable
	ev.ID = ev.Type + "|" + ev.EntityID + "|" + ent.ModDatetime + "|" + hash(data)
	ev.Data = &p
	return ev, nil
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:16])
}

// Sign returns a delivery of body as ChargeOver sends it: the shared secret
// in the X-ChargeOver-Key header and as the body's security_token (set, or
// replaced, in the JSON object body): for fakes and tests of code that
// receives ChargeOver webhooks.
func Sign(sharedSecret string, body []byte) (http.Header, []byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, nil, fmt.Errorf("chargeover webhook: %w: the body is not a JSON object", webhook.ErrMalformed)
	}
	tok, err := json.Marshal(sharedSecret)
	if err != nil {
		return nil, nil, err
	}
	m["security_token"] = tok
	out, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set(Header, sharedSecret)
	h.Set("Content-Type", "application/json")
	return h, out, nil
}
