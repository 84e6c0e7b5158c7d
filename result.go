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
	// Attempts counts the HTTP attempts of the item's own requests (sends
	// and read-backs) that reached the provider; 0 when none did (failed
	// token fetches and refused connections do not count).
	Attempts int
	// Existing reports that the entity was not created by this call but
	// found by its natural key, holding the item's data: an earlier attempt
	// (or an earlier run) created it.
	Existing bool
	// AlreadyGone reports a delete that succeeded without this call seeing
	// its own success: an attempt that may have acted lost its answer (a
	// dropped connection, a 5xx) and the retry found the entity absent
	// (404). The entity is gone, which is what the delete asked for; it
	// may have been gone before the call, too. A 404 on the first attempt
	// stays an error wrapping ErrNotFound.
	AlreadyGone bool
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
