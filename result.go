package billbridge

import "fmt"

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
	// Existing reports that the entity was found by its natural key,
	// holding the item's data, rather than returned by a create: an earlier
	// run created it (Outcome Unchanged), or an attempt of this call whose
	// answer was lost did (Outcome Created).
	Existing bool
	// Outcome says what a keyed write did to the item's entity (see
	// Outcome); empty for calls that are not keyed writes and for items
	// that failed before their entity could be compared.
	Outcome Outcome
	// Changes are the fields whose stored value differs from the item's,
	// in field order: those an update changed (Outcome Updated), or those
	// that made the item a conflict (Outcome Conflict). Empty otherwise.
	Changes []Change
	// Planned reports a result of a dry run (ModePlan): Outcome is what
	// the write would do, and nothing was written.
	Planned bool
	// AlreadyGone reports a delete that succeeded without this call seeing
	// its own success: an attempt that may have acted lost its answer (a
	// dropped connection, a 5xx) and the retry found the entity absent
	// (404). The entity is gone, which is what the delete asked for; it
	// may have been gone before the call, too. A 404 on the first attempt
	// stays an error wrapping ErrNotFound.
	AlreadyGone bool
}

// Outcome is what a keyed write (a create or an upsert by natural key) did
// with one item.
type Outcome string

// The outcomes of a keyed write.
const (
	// Created: no entity held the item's key; one was created.
	Created Outcome = "created"
	// Updated: an entity held the key with other data, and was updated
	// to the item's (ModeUpsert); Changes lists the fields.
	Updated Outcome = "updated"
	// Unchanged: an entity held the key and the item's data already.
	Unchanged Outcome = "unchanged"
	// Conflict: an entity held the key with other data and was left
	// alone (ModeCreate, or a field the provider cannot update); Err wraps
	// ErrConflict and Changes lists the fields.
	Conflict Outcome = "conflict"
)

// Change is one field whose stored value differs from an item's.
type Change struct {
	// Field is the field's path in the request's JSON, "/" between
	// members and array indexes ("billing_address/line1").
	Field string `json:"field"`
	// Stored and Sent are the two values as JSON text ("" when absent).
	Stored string `json:"stored"`
	Sent   string `json:"sent"`
}

// Mode is how a keyed write treats an entity that already holds an item's
// natural key (see option.WithMode).
type Mode int

// The modes of a keyed write.
const (
	// ModeCreate creates what is missing; an entity found holding the
	// item's data is Unchanged, one holding other data a Conflict.
	ModeCreate Mode = iota
	// ModeUpsert creates what is missing and updates what differs.
	ModeUpsert
	// ModePlan writes nothing: each result is what ModeUpsert would do,
	// with Planned set.
	ModePlan
)

// String names the mode as the command line does.
func (m Mode) String() string {
	switch m {
	case ModeCreate:
		return "create"
	case ModeUpsert:
		return "upsert"
	case ModePlan:
		return "plan"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
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
