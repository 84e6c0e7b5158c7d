package billbridge

import "time"

// RetryPolicy says how often and how long a client retries a request.
// What is retried is fixed (connection failures and 408, 429, 500, 502, 503,
// 504; a request that may create something only when the provider surely
// did not act on it); the policy says how much. Zero fields take the values
// of DefaultRetryPolicy, except MaxRetries, whose zero means no retries.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// MinBackoff is the first wait; each retry doubles it up to MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After: a server asking for an
	// hour must not park a batch for an hour.
	MaxRetryAfter time.Duration
	// Backoff, when set, replaces the exponential schedule: it returns the
	// wait before retry n (0-based).
	Backoff func(n int) time.Duration
}

// DefaultRetryPolicy retries 5 times, waiting 0.5 s, 1 s, 2 s, 4 s, 8 s with
// jitter (each wait drawn between half and all of that) and honours
// Retry-After up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 5, MinBackoff: 500 * time.Millisecond, MaxBackoff: 8 * time.Second, MaxRetryAfter: 30 * time.Second}
}

// WithDefaults returns p with its zero durations replaced by those of
// DefaultRetryPolicy, so that a policy giving only MaxRetries does not retry
// in a tight loop.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MinBackoff <= 0 {
		p.MinBackoff = d.MinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = max(d.MaxBackoff, p.MinBackoff)
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	p.MaxRetries = max(p.MaxRetries, 0)
	return p
}
