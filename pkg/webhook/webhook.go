package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Event is one verified delivery, decoded. Providers fill what their payload
// carries; Raw always holds the exact body, so unknown types and fields are
// never lost.
type Event struct {
	// Provider is "tight", "chargeover" or "meteroid".
	Provider string
	// Type is what the registry dispatches on: Tight "ENTITY_UPDATE" or
	// "LIFECYCLE"; ChargeOver "<context_str>.<event>" (e.g. "customer.insert");
	// Meteroid the event type (e.g. "invoice.paid").
	Type string
	// ID identifies the delivery for deduplication: the webhook-id header
	// for Meteroid, an id derived from the payload otherwise (see the
	// provider's package).
	ID string
	// EntityType and EntityID name the entity the event is about, when the
	// payload says (e.g. "customer", "cus_7n42…").
	EntityType string
	EntityID   string
	// Action is the provider's finer event name where there is one: Tight's
	// lifecycle event ("bankAccountCreated"), ChargeOver's event ("insert").
	Action string
	// Time is when the event happened, as the payload says; zero if it does
	// not say.
	Time time.Time
	// Data is the typed payload: a pointer to one of the provider package's
	// event types, or nil for a type the package does not model (use Raw).
	Data any
	// Raw is the body exactly as received and verified.
	Raw json.RawMessage
}

// Func handles one event. Returning nil acknowledges the delivery (2xx);
// returning an error answers 500 so that the provider sends it again, and
// the delivery is not marked as seen.
type Func func(ctx context.Context, e Event) error

// Provider verifies and decodes one provider's deliveries. The packages
// tight, chargeover and meteroid under this one implement it; the Handler
// is the same for all three.
type Provider interface {
	// Name is the provider's name, as in Event.Provider.
	Name() string
	// Verify checks that header and body come from the holder of the
	// secret, at time now. It returns an error wrapping ErrUnsigned,
	// ErrSignature, ErrTimestamp or ErrMalformed; the error never contains
	// the secret or a received credential.
	Verify(header http.Header, body []byte, now time.Time) error
	// Decode turns a verified delivery into an Event. It is tolerant of
	// unknown types and fields; it fails (wrapping ErrMalformed) only when
	// the body is not a JSON object.
	Decode(header http.Header, body []byte) (Event, error)
}

// Errors a verification or a delivery fails with; match them with errors.Is.
var (
	// ErrUnsigned: the credential (signature, token, key) is missing.
	ErrUnsigned = errors.New("webhook: credential missing")
	// ErrSignature: the credential does not match the secret.
	ErrSignature = errors.New("webhook: credential does not match")
	// ErrTimestamp: the signed time is outside the tolerance (stale or
	// from the future), or the token has expired or is not valid yet.
	ErrTimestamp = errors.New("webhook: timestamp outside tolerance")
	// ErrMalformed: the body or a signed header cannot be parsed.
	ErrMalformed = errors.New("webhook: malformed delivery")
	// ErrTooLarge: the body exceeds the handler's limit.
	ErrTooLarge = errors.New("webhook: body too large")
	// ErrContentType: the body is not declared as JSON.
	ErrContentType = errors.New("webhook: content type is not application/json")
)

// StatusOf is the HTTP status the Handler answers for a delivery that failed
// with err: 401 for a credential that is missing, wrong or out of time, 400
// for a malformed delivery, 413 for a body too large, 415 for a wrong
// content type, 500 for anything else (the user's function failed).
func StatusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrUnsigned), errors.Is(err, ErrSignature), errors.Is(err, ErrTimestamp):
		return http.StatusUnauthorized
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrContentType):
		return http.StatusUnsupportedMediaType
	default:
		return http.StatusInternalServerError
	}
}
