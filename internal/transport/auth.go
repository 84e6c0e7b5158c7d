package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
)

// Authenticator adds credentials to an outgoing request.
type Authenticator interface {
	// Authenticate sets the credentials on req (usually its Authorization
	// header); an error stops the request before it is sent.
	Authenticate(req *http.Request) error
}

// Refresher is an Authenticator whose credential can go stale. When Stale
// says a 401 response is about the credential, the transport calls
// Invalidate and sends the request once more with a fresh one.
type Refresher interface {
	Authenticator
	// Stale reports whether resp, with its already read body, says the
	// credential is expired or revoked.
	Stale(resp *http.Response, body []byte) bool
	// Invalidate drops the cached credential, so that the next
	// Authenticate fetches a fresh one.
	Invalidate()
}

// Bearer authenticates with a static token: "Authorization: Bearer <token>".
type Bearer struct {
	Token config.Secret // the access token or API key
}

// Authenticate sets the Authorization header.
func (b Bearer) Authenticate(req *http.Request) error {
	if b.Token == "" {
		return errors.New("no bearer token configured")
	}
	req.Header.Set("Authorization", "Bearer "+b.Token.Reveal())
	return nil
}

// Basic authenticates with HTTP Basic.
type Basic struct {
	Username, Password config.Secret // the user name (required) and the password
}

// Authenticate sets the Authorization header.
func (b Basic) Authenticate(req *http.Request) error {
	if b.Username == "" {
		return errors.New("no basic-auth username configured")
	}
	req.SetBasicAuth(b.Username.Reveal(), b.Password.Reveal())
	return nil
}

// ClientCredentials runs the OAuth2 client-credentials flow (RFC 6749 §4.4)
// with the client authenticated by HTTP Basic, as Tight's /v6/auth/token
// wants, through golang.org/x/oauth2/clientcredentials. Tokens are cached
// and fetched again ExpiryMargin before they expire, and once more when the
// server calls one stale.
type ClientCredentials struct {
	// TokenURL is the token endpoint, such as https://host/v6/auth/token.
	TokenURL string
	// ClientID and ClientSecret are the client's credentials, sent with
	// HTTP Basic to TokenURL only.
	ClientID, ClientSecret config.Secret
	// Params are extra form fields (Tight: scope, userId).
	Params url.Values
	// HTTPClient fetches tokens; it should retry but must not authenticate.
	HTTPClient *http.Client
	// ExpiryMargin is how long before expiry a token is replaced (default 60s).
	ExpiryMargin time.Duration
	// StaleCodes are error codes in a 401 body that mean "fetch a new token"
	// (Tight: EXPIRED_TOKEN, INVALID_TOKEN).
	StaleCodes []string

	mu       sync.Mutex
	tok      *oauth2.Token
	margin   time.Duration // of the cached token: see Token
	failed   error         // the last fetch's error, shared until failedAt+FailureTTL
	failedAt time.Time
}

// Token lifetimes: a token whose expires_in is missing, zero or negative is
// treated as living ShortTokenLifetime (0 would cache it forever, a negative
// value would fetch a token for every request). A failed fetch is shared
// for FailureTTL with every request waiting for a token, so that a token
// endpoint that fails costs one round of retries, not one per waiting chunk.
const (
	ShortTokenLifetime = time.Minute
	FailureTTL         = 2 * time.Second
)

// Token returns a valid access token, fetching one when the cache holds none.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && time.Until(c.tok.Expiry) > c.margin {
		return c.tok.AccessToken, nil
	}
	if c.failed != nil && time.Since(c.failedAt) < FailureTTL {
		return "", c.failed
	}
	cfg := clientcredentials.Config{
		ClientID:       c.ClientID.Reveal(),
		ClientSecret:   c.ClientSecret.Reveal(),
		TokenURL:       c.TokenURL,
		EndpointParams: c.Params,
		AuthStyle:      oauth2.AuthStyleInHeader,
	}
	// The token request is a request of its own: it must not record into
	// the caller's Trace, and asking for a token twice is harmless, so a
	// retrying HTTPClient may repeat it.
	// Nor do the call's options apply to it: a middleware must not see the
	// client secret.
	ctx = context.WithValue(context.WithValue(ctx, traceKey, (*Trace)(nil)), requestKey, (*config.Request)(nil))
	ctx = Idempotent(ctx)
	if c.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	tok, err := cfg.Token(ctx)
	if err != nil {
		err = tokenError(err)
		if ctx.Err() == nil {
			// A cancelled caller's failure is its own, not the endpoint's.
			c.failed, c.failedAt = err, time.Now()
		}
		return "", err
	}
	c.failed = nil
	if tok.Expiry.IsZero() || time.Until(tok.Expiry) <= 0 {
		// No lifetime (expires_in missing or 0) or a negative one: treat
		// it as short-lived rather than eternal or already expired.
		tok.Expiry = time.Now().Add(ShortTokenLifetime)
	}
	c.tok = tok
	// A token that lives shorter than twice the margin would be replaced
	// on every request; such a token is replaced at half its life instead.
	c.margin = c.ExpiryMargin
	if c.margin == 0 {
		c.margin = time.Minute
	}
	c.margin = min(c.margin, time.Until(tok.Expiry)/2)
	return tok.AccessToken, nil
}

// tokenError turns the oauth2 package's error into an *APIError. The text of
// the server's answer is kept; the credentials never were in it.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		msg := re.ErrorDescription
		if msg == "" {
			msg = strings.TrimSpace(string(re.Body))
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
		}
		ae := &billbridge.APIError{Operation: "createToken", StatusCode: re.Response.StatusCode, Code: re.ErrorCode,
			Message: "token request refused: " + msg, Retryable: RetryableStatus(re.Response.StatusCode)}
		if credentialsRefused(re.Response.StatusCode, re.ErrorCode) {
			ae.Err = billbridge.ErrUnauthorized
		}
		return ae
	}
	return &billbridge.APIError{Operation: "createToken", Message: "token request failed", Err: err}
}

// credentialsRefused reports a token answer that refuses the client's
// credentials themselves (RFC 6749 §5.2: invalid_client, unauthorized_client,
// usually with 401), not a passing failure of the endpoint.
func credentialsRefused(status int, code string) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden ||
		code == "invalid_client" || code == "unauthorized_client"
}

// Authenticate sets "Authorization: Bearer <access token>".
func (c *ClientCredentials) Authenticate(req *http.Request) error {
	tok, err := c.Token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Stale reports whether a 401 body names one of StaleCodes.
func (c *ClientCredentials) Stale(resp *http.Response, body []byte) bool {
	if resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	for _, code := range c.StaleCodes {
		if strings.Contains(string(body), `"`+code+`"`) {
			return true
		}
	}
	return false
}

// Invalidate drops the cached token.
func (c *ClientCredentials) Invalidate() {
	c.mu.Lock()
	c.tok = nil
	c.mu.Unlock()
}

// String never shows the credentials.
func (c *ClientCredentials) String() string {
	return fmt.Sprintf("ClientCredentials{TokenURL: %s, ClientID: %s, ClientSecret: %s}", c.TokenURL, c.ClientID, c.ClientSecret)
}
