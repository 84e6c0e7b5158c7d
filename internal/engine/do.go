package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
)

// Do sends a raw request for an operation the facade does not wrap, with the
// client's auth, retries, rate limit and error classification. path is
// relative to the base URL (it must start with "/"; absolute URLs are
// refused, so that credentials never go to another host). body, when not
// nil, is sent as JSON ([]byte and io.Reader are sent as they are); out, when
// not nil, receives the JSON answer (*[]byte receives the raw body). A POST
// is treated as a request that may create something: it is not repeated
// after it may have acted, and such a failure wraps
// billbridge.ErrOutcomeUnknown.
func (e *Engine) Do(ctx context.Context, method, path string, body, out any, opts []config.RequestOption) error {
	op := method + " " + path
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return &billbridge.APIError{Provider: e.Provider.Name, Operation: op, Err: billbridge.ErrNotSent,
			Message: fmt.Sprintf("path %q must be relative to the base URL and start with one /", path)}
	}
	var payload io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = bytes.NewReader(b)
	case io.Reader:
		payload = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return &billbridge.APIError{Provider: e.Provider.Name, Operation: op, Err: fmt.Errorf("%w: %w", billbridge.ErrNotSent, err),
				Message: "cannot encode the body as JSON"}
		}
		payload = bytes.NewReader(raw)
	}
	call := Call{Op: op, Unsafe: method == http.MethodPost, Send: func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, e.BaseURL+path, payload)
		if err != nil {
			return nil, err
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		return e.HTTPClient.Do(req)
	}}
	ans, err := e.Call(e.Context(ctx, opts), call)
	if err != nil {
		return err
	}
	switch o := out.(type) {
	case nil:
	case *[]byte:
		*o = ans.Body
	default:
		if len(ans.Body) == 0 {
			return nil
		}
		if err := json.Unmarshal(ans.Body, o); err != nil {
			return e.Undecodable(call, ans, err)
		}
	}
	return nil
}
