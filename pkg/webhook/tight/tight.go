// Package tight verifies and decodes Tight's webhooks for the
// webhook.Handler.
//
// Tight signs every delivery with a JWT in the Tight-Verification header,
// HMAC-SHA256 (HS256) with the partner's webhook_secret. The token is
// checked with golang-jwt/jwt/v5: only HS256 is accepted (a token whose
// header says "none", HS384, HS512, RS256 or anything else is refused before
// any key is used), and exp, nbf and iat are enforced when the token carries
// them, with a small leeway (default 30 s) for clock skew.
//
// Tight's documentation says what to verify (the token, HS256, the secret),
// not which claims the token holds. In particular it does not document a
// hash of the body among the claims, so a valid token proves that Tight
// sent a token, not that it sent this body. Where your tokens do carry a
// body hash, bind it with WithBodyHashClaim; any other rule on the claims
// goes in WithClaimsCheck; WithMaxAge requires iat and bounds the token's
// age, which bounds how long a captured token can be replayed.
//
// Types are ENTITY_UPDATE (the full entity that changed, under data, and
// its API path under url) and LIFECYCLE (event, datetime, eventData).
package tight

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/billbridge/billbridge/pkg/webhook"
)

// Header is the header that carries the JWT.
const Header = "Tight-Verification"

// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// Verifier implements webhook.Provider for Tight.
type Verifier struct {
	secret     []byte
	leeway     time.Duration
	maxAge     time.Duration
	hashClaim  string
	checkClaim func(claims jwt.MapClaims, body []byte) error
}

var _ webhook.Provider = (*Verifier)(nil)

// Option configures a Verifier.
type Option func(*Verifier)

// WithLeeway sets the clock skew allowed on exp, nbf and iat (default
// DefaultLeeway; a negative d means none).
func WithLeeway(d time.Duration) Option {
	return func(v *Verifier) { v.leeway = max(d, 0) }
}

// WithMaxAge requires an iat claim and refuses a token issued more than d
// ago: use it once you know your tokens carry iat.
func WithMaxAge(d time.Duration) Option { return func(v *Verifier) { v.maxAge = d } }

// WithBodyHashClaim requires the claim name to hold the SHA-256 of the body
// (hex, or base64 with or without padding, standard or URL alphabet),
// compared in constant time: it binds the token to the body.
func WithBodyHashClaim(name string) Option { return func(v *Verifier) { v.hashClaim = name } }

// WithClaimsCheck adds a rule on the verified claims (e.g. an issuer, or
// your client_id); its error refuses the delivery with 401.
func WithClaimsCheck(fn func(claims jwt.MapClaims, body []byte) error) Option {
	return func(v *Verifier) { v.checkClaim = fn }
}

// New returns a Verifier for the partner's webhook_secret. The error never
// contains the secret.
func New(webhookSecret string, opts ...Option) (*Verifier, error) {
	if webhookSecret == "" {
		return nil, errors.New("tight webhook: empty webhook_secret")
	}
	v := &Verifier{secret: []byte(webhookSecret), leeway: DefaultLeeway}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// NewHandler is webhook.NewHandler(New(webhookSecret)), for the common case.
func NewHandler(webhookSecret string, opts ...webhook.Option) (*webhook.Handler, error) {
	v, err := New(webhookSecret)
	if err != nil {
		return nil, err
	}
	return webhook.NewHandler(v, opts...), nil
}

// Name implements webhook.Provider.
func (*Verifier) Name() string { return "tight" }

// Verify implements webhook.Provider.
func (v *Verifier) Verify(h http.Header, body []byte, now time.Time) error {
	raw := strings.TrimSpace(h.Get(Header))
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		return fmt.Errorf("tight: %w: no %s header", webhook.ErrUnsigned, Header)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithLeeway(v.leeway),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	claims := jwt.MapClaims{}
	_, err := p.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		// WithValidMethods already refused every other alg; this keeps the
		// secret away from any method that is not HMAC-SHA256 even so.
		if t.Method != jwt.SigningMethodHS256 {
			return nil, errors.New("unexpected signing method")
		}
		return v.secret, nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fmt.Errorf("tight: %w: %v", webhook.ErrTimestamp, err)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("tight: %w: the token is not a JWT", webhook.ErrSignature)
	default:
		// Bad signature, refused algorithm, unverifiable token: one answer.
		return fmt.Errorf("tight: %w: %v", webhook.ErrSignature, err)
	}
	if v.maxAge > 0 {
		iat, err := claims.GetIssuedAt()
		if err != nil || iat == nil {
			return fmt.Errorf("tight: %w: the token has no iat", webhook.ErrTimestamp)
		}
		if now.Sub(iat.Time) > v.maxAge+v.leeway {
			return fmt.Errorf("tight: %w: the token was issued %s ago", webhook.ErrTimestamp, now.Sub(iat.Time).Round(time.Second))
		}
	}
	if v.hashClaim != "" {
		got, _ := claims[v.hashClaim].(string)
		if !bodyHashMatches(got, body) {
			return fmt.Errorf("tight: %w: claim %q is not the body's SHA-256", webhook.ErrSignature, v.hashClaim)
		}
	}
	if v.checkClaim != nil {
		if err := v.checkClaim(claims, body); err != nil {
			return fmt.Errorf("tight: %w: %v", webhook.ErrSignature, err)
		}
	}
	return nil
}

func bodyHashMatches(claim string, body []byte) bool {
	sum := sha256.Sum256(body)
	claim = strings.TrimPrefix(strings.TrimPrefix(claim, "sha256:"), "sha-256:")
	for _, dec := range []func(string) ([]byte, error){
		hex.DecodeString,
		base64.StdEncoding.DecodeString, base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString, base64.RawURLEncoding.DecodeString,
	} {
		if b, err := dec(claim); err == nil && len(b) == len(sum) {
			return subtle.ConstantTimeCompare(b, sum[:]) == 1
		}
	}
	return false
}

// Sign returns a Tight-Verification value for claims, signed HS256 with
// webhookSecret, as Tight would send it: for fakes and tests.
func Sign(webhookSecret string, claims jwt.MapClaims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(webhookSecret))
}
