package billbridge

// Result is the outcome of one input item of a batch call. Every input item
// gets exactly one Result, in input order, also when the call is cancelled.
type Result[T any] struct {
	// Index is the item's position in the input (0-based).
	Index int
	// ID is the provider's id of the entity, when it has one.
	ID string
	// Value is the entity as the provider returned it; the zero value when
	// Err is set.
	Value T
	// Err is why the item failed, nil on success: a *ValidationError or an
	// *APIError (see the package comment for the sentinels it wraps).
	Err error
	// Status is the HTTP status of the item's own answer: its per-item
	// status in a batch answer (Tight statusCode, ChargeOver sub-request
	// code), else the status of the request that carried it; 0 when no
	// answer arrived.
	Status int
	// RequestID is the provider's request id (the X-Request-Id or
	// X-Correlation-Id header) of the answer that decided the item, the
	// one Status reports: set on successes and failures alike, "" when no
	// answer arrived or the provider named none. Quote it to the
	// provider's support. For a failure it is also the *APIError's
	// RequestID when that names one.
	RequestID string
	// Attempts counts the HTTP attempts of the item's own requests (sends
	// and read-backs) that reached the provider; 0 when none did (failed
	// token fetches and refused connections do not count).
	Attempts int
	// Existing reports that the entity was not created by this call but
	// found by its natural key, holding the item's data: an earlier attempt
	// (or an earlier run) created it.
	Existing bool
}

// OK reports whether the item succeeded.
func (r Result[T]) OK() bool { return r.Err == nil }

// Progress is reported after each chunk of a batch call (see
// option.WithProgress).
type Progress struct {
	// Done counts items with a result so far, Failed those among them that
	// failed.
	Done, Failed int
	// Total is the number of input items, or -1 when the input is a stream
	// of unknown length.
	Total int
}
