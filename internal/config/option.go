package config

// MaxConcurrency is the largest concurrency a client accepts: more requests
// in flight than this only queue at the providers' rate limits and hold
// memory. pkg/option re-exports it.
const MaxConcurrency = 64

// Option configures a client. pkg/option re-exports it under the same name
// (a type alias, as openai-go does with its request config), so that the
// engine reads options without importing the public package: imports run
// from pkg/ to internal/, never back. Its method is unexported, so only the
// option types of this package implement it, and the settings it fills never
// show in the public API.
type Option interface {
	applyClient(*Client)
}

// RequestOption configures the requests of a client (given to New) or of
// one call. pkg/option re-exports it.
type RequestOption interface {
	Option
	applyRequest(*Request)
}

// ClientFunc is an Option that only a client can take: pkg/option's
// client-only constructors return one.
type ClientFunc func(*Client)

func (f ClientFunc) applyClient(c *Client) { f(c) }

// RequestFunc is a RequestOption: given to a client it sets the client's
// request defaults; given to a call, that call's.
type RequestFunc func(*Request)

func (f RequestFunc) applyClient(c *Client)   { f(&c.Request) }
func (f RequestFunc) applyRequest(r *Request) { f(r) }

// Apply applies opts to c in order; nil options are skipped.
func (c *Client) Apply(opts ...Option) *Client {
	for _, o := range opts {
		if o != nil {
			o.applyClient(c)
		}
	}
	return c
}

// Apply applies opts to r in order; nil options are skipped.
func (r *Request) Apply(opts ...RequestOption) *Request {
	for _, o := range opts {
		if o != nil {
			o.applyRequest(r)
		}
	}
	return r
}
