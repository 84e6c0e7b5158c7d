package meteroid

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// Meteroid's limits on event ingestion (POST /api/v1/events/ingest), as its
// OpenAPI documents them.
const (
	// MaxEventsPerRequest is the most events one request carries.
	MaxEventsPerRequest = 100
	// MaxIngestBytes is the body cap of one request: Meteroid's 1 MB, read
	// as 1,000,000 bytes (the smaller reading of "1 MB"). Requests are cut
	// so that their encoded body stays within it.
	MaxIngestBytes = 1_000_000
	// MaxEventIDLength and MaxCodeLength bound event_id and code, in
	// characters.
	MaxEventIDLength = 255
	MaxCodeLength    = 512
	// IngestPast and IngestFuture are the timestamp window without
	// WithBackfill: from 24 hours ago to 1 hour ahead.
	IngestPast   = 24 * time.Hour
	IngestFuture = time.Hour
	// RepeatWindow bounds the distinct (event_id, customer_id) pairs an
	// ingest call remembers to find repeats: the latest RepeatWindow/2 at
	// least, RepeatWindow at most (16 bytes each plus the maps' overhead:
	// about 5 MB). A repeat of an older pair is sent, and Meteroid counts
	// it once (its result is then a success).
	RepeatWindow = 1 << 16
)

// CodeEventRefused is the APIError.Code of an event that Meteroid listed
// among an ingest answer's failures (the answer was a 200 for the others).
const CodeEventRefused = "EVENT_REFUSED"

// WithBackfill lifts the past limit of event timestamps
// (allow_backfilling): without it, IngestEvents refuses locally, as
// Meteroid would, an event more than 24 hours old.
func WithBackfill() option.RequestOption {
	return config.RequestFunc(func(r *config.Request) { r.Backfill = true })
}

// WithEventID sets the event_id of each event of an ingest call that has
// none, from its index in the call's input (the CLI derives it from the
// line's number and bytes); "" falls back to the default, a hash of the
// event and its occurrence (see IngestEvents).
func WithEventID(id func(index int, e Event) string) option.RequestOption {
	return config.RequestFunc(func(r *config.Request) {
		r.CreateKey = func(i int, v any) string {
			if e, ok := v.(Event); ok {
				return id(i, e)
			}
			return ""
		}
	})
}

// IngestEvents sends usage events (POST /api/v1/events/ingest) and returns
// one result per event in input order: ID is the event's event_id, Value
// the event as sent (with its event_id), Status 200.
//
// Requests hold at most MaxEventsPerRequest events and MaxIngestBytes of
// JSON, with up to Concurrency in flight. Every request asks for
// allow_partial_failures, and each failure Meteroid lists is mapped to its
// event by event_id: an error wrapping a *billbridge.APIError with Code
// CodeEventRefused, StatusCode 422 and the reason as Message.
//
// Event ids: an event without event_id gets a deterministic one, "bb1-" and
// a hash of its JSON and of its occurrence number among identical events
// of the input (the call keeps one counter per distinct such event), so a
// re-run of the same input sends the same ids. Meteroid deduplicates by
// (event_id, customer_id), so the call is idempotent: every failure that
// may be retried (a lost answer, a cut body, a 5xx, 429) is retried within
// the retry budget, and no event ends with billbridge.ErrOutcomeUnknown.
// One that still has no answer after the budget fails with a retryable
// *billbridge.APIError: sending it again is safe.
//
// Repeats: two events with the same event_id and customer_id are one event
// to Meteroid, and a failure names only the event_id, so no request holds
// an event_id twice. The later of two events with the same pair fails with
// a *billbridge.ValidationError naming the earlier and is not sent, when
// the earlier is among the last RepeatWindow/2 distinct pairs of the call
// (or further back, up to RepeatWindow);
// an older repeat is sent and counted once by Meteroid. A customer's id
// and its alias are different strings here: the facade cannot tell that
// they name one customer without a lookup, so it compares customer_id as
// given (Meteroid resolves both to the customer and deduplicates).
//
// Local checks (a *billbridge.ValidationError naming the item and the
// field, nothing sent): event_id at most 255 characters, customer_id and
// code present, code at most 512 characters, an RFC 3339 timestamp within
// the window (see WithBackfill), valid UTF-8 everywhere, property names not
// empty, and the event's JSON within one request's cap.
func (c *Client) IngestEvents(ctx context.Context, events []Event, opts ...option.RequestOption) []billbridge.Result[Event] {
	ctx = c.e.Context(ctx, opts)
	out := make([]billbridge.Result[Event], 0, len(events))
	for r := range c.ingest(ctx, func(yield func(Event) bool) {
		for _, e := range events {
			if !yield(e) {
				return
			}
		}
	}, len(events)) {
		out = append(out, r)
	}
	for i := len(out); i < len(events); i++ {
		// The stream stopped reading (ctx ended): a slice's items are all
		// known, so each still gets its result.
		out = append(out, billbridge.Result[Event]{Index: i, Value: events[i], Err: c.e.NotSent("ingestEvents", context.Cause(ctx))})
	}
	return out
}

// IngestEventsSeq is IngestEvents over a stream, in bounded memory (the
// repeat window and the counters of events without event_id aside).
// Results arrive in input order; breaking out of the loop cancels the
// requests in flight.
func (c *Client) IngestEventsSeq(ctx context.Context, events iter.Seq[Event], opts ...option.RequestOption) iter.Seq[billbridge.Result[Event]] {
	return c.ingest(c.e.Context(ctx, opts), events, -1)
}

// IngestEvent sends one event and returns it as sent (with its event_id).
// Errors are as in IngestEvents' results.
func (c *Client) IngestEvent(ctx context.Context, e Event, opts ...option.RequestOption) (Event, error) {
	r := c.IngestEvents(ctx, []Event{e}, opts...)[0]
	return r.Value, r.Err
}

// ValidateEvent checks an event as IngestEvents does before sending (see
// there), at the time now; backfill lifts the past limit, and a zero now
// skips the timestamp window (the shape alone: a command line checks its
// input long before it sends it). It returns a *billbridge.ValidationError
// (Index 0) naming the field, or nil. An empty event_id passes:
// IngestEvents derives one.
func ValidateEvent(e Event, now time.Time, backfill bool) error {
	bound, err := checkEvent(0, e, now, backfill)
	if err != nil {
		return err
	}
	if ingestEnvelope+bound <= MaxIngestBytes {
		return nil // surely within the cap: no need to encode it
	}
	_, err = encodeEvent(0, e, now, backfill)
	return err
}

// EventID is the event_id IngestEvents gives an event without one: "bb1-",
// 24 hex digits of a SHA-256 of the event's JSON (event_id empty) and
// occurrence, the number of identical events before it in the input.
func EventID(e Event, occurrence int) string {
	h := contentHash(e)
	return fmt.Sprintf("bb1-%s-%d", hex.EncodeToString(h[:12]), occurrence)
}

func contentHash(e Event) [32]byte {
	e.EventId = ""
	raw, _ := json.Marshal(e) // an Event always encodes
	return sha256.Sum256(raw)
}

// pendingEvent is an event on its way: its size in a request's JSON, or
// why it is not sent.
type pendingEvent struct {
	e   Event
	raw []byte // its JSON, as it goes into the request
	err error
}

// ingestEnvelope is what a request's JSON holds around its events:
// {"events":[...],"allow_partial_failures":true,"allow_backfilling":false}.
const ingestEnvelope = len(`{"events":[],"allow_partial_failures":true,"allow_backfilling":false}`)

// ingest prepares the events (ids, checks, repeats) and sends them.
func (c *Client) ingest(ctx context.Context, events iter.Seq[Event], total int) iter.Seq[billbridge.Result[Event]] {
	rc := c.e.Transport.RequestOf(ctx)
	backfill := rc.Backfill
	var prepared iter.Seq[pendingEvent] = func(yield func(pendingEvent) bool) {
		occurrences := map[[32]byte]int{}
		repeats := newRepeatWindow(RepeatWindow)
		index := 0
		for e := range events {
			if e.EventId == "" && rc.CreateKey != nil {
				e.EventId = rc.CreateKey(index, e)
			}
			if e.EventId == "" {
				h := contentHash(e)
				e.EventId = fmt.Sprintf("bb1-%s-%d", hex.EncodeToString(h[:12]), occurrences[h])
				occurrences[h]++
			}
			p := pendingEvent{e: e}
			p.raw, p.err = encodeEvent(index, e, time.Now(), backfill)
			if p.err == nil {
				if earlier, ok := repeats.add(e.EventId, e.CustomerId, index); !ok {
					p.err = &billbridge.ValidationError{Index: index, Field: "event_id",
						Reason: fmt.Sprintf("event_id %q for customer_id %q repeats item %d: Meteroid counts the pair once", e.EventId, e.CustomerId, earlier)}
				}
			}
			index++
			if !yield(p) {
				return
			}
		}
	}
	shape := batch.Shape[pendingEvent]{
		// Refused events go in chunks of their own, sent nowhere, so that
		// every request is full.
		Kind: func(p pendingEvent) int {
			if p.err != nil {
				return 1
			}
			return 0
		},
		Split: func(chunk []batch.Item[pendingEvent], next pendingEvent) bool {
			if next.err != nil {
				return false
			}
			size := ingestEnvelope + len(next.raw)
			for _, it := range chunk {
				if it.Value.e.EventId == next.e.EventId {
					// One event_id per request: a failure names only it.
					return true
				}
				size += len(it.Value.raw) + 1
			}
			return size > MaxIngestBytes
		},
	}
	opts := c.e.BatchOptions(MaxEventsPerRequest)
	return batch.StreamShaped(ctx, prepared, total, opts, shape, func(ctx context.Context, chunk []batch.Item[pendingEvent]) []billbridge.Result[Event] {
		return c.sendEvents(ctx, chunk, backfill)
	})
}

// sendEvents sends one chunk: refused events get their error, the others
// one request (two halves when Meteroid answers 413 all the same).
func (c *Client) sendEvents(ctx context.Context, chunk []batch.Item[pendingEvent], backfill bool) []billbridge.Result[Event] {
	out := make([]billbridge.Result[Event], len(chunk))
	var send []int // positions in chunk to send
	for i, it := range chunk {
		out[i].Value, out[i].ID = it.Value.e, it.Value.e.EventId
		if it.Value.err != nil {
			out[i].Err = it.Value.err
			continue
		}
		send = append(send, i)
	}
	if len(send) > 0 {
		c.ingestOnce(ctx, chunk, send, backfill, out)
	}
	return out
}

// ingestOnce sends the events at positions send of chunk in one request and
// fills their results in out.
func (c *Client) ingestOnce(ctx context.Context, chunk []batch.Item[pendingEvent], send []int, backfill bool, out []billbridge.Result[Event]) {
	// The body is written from each event's JSON, encoded once when it was
	// checked (its size decided the chunk), rather than encoded again.
	size := ingestEnvelope
	for _, i := range send {
		size += len(chunk[i].Value.raw) + 1
	}
	body := make([]byte, 0, size)
	body = append(body, `{"events":[`...)
	for j, i := range send {
		if j > 0 {
			body = append(body, ',')
		}
		body = append(body, chunk[i].Value.raw...)
	}
	body = append(body, `],"allow_partial_failures":true,"allow_backfilling":`...)
	body = strconv.AppendBool(body, backfill)
	body = append(body, '}')
	var res IngestEventsResult
	ans, err := c.e.Call(ctx, engine.Call{
		Op: "ingestEvents",
		// Not Unsafe: Meteroid deduplicates by (event_id, customer_id), so
		// a repeat after a lost answer counts nothing twice, and the
		// transport retries it like a PUT.
		Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.IngestEventsWithBody(ctx, "application/json", bytes.NewReader(body))
		},
		Decode: func(b []byte) error { res = IngestEventsResult{}; return json.Unmarshal(b, &res) },
	})
	if err != nil && ans.Status == http.StatusRequestEntityTooLarge && len(send) > 1 {
		// The server's cap is below ours: halve until it takes them.
		half := len(send) / 2
		c.ingestOnce(ctx, chunk, send[:half], backfill, out)
		c.ingestOnce(ctx, chunk, send[half:], backfill, out)
		return
	}
	failed := map[string]string{}
	if err == nil && res.Failures != nil {
		for _, f := range *res.Failures {
			failed[f.EventId] = f.Reason
		}
	}
	for _, i := range send {
		r := &out[i]
		r.Status, r.Attempts, r.RequestID = ans.Status, ans.Attempts, ans.RequestID
		switch reason, refused := failed[r.ID]; {
		case err != nil:
			r.Err = engine.Clone(err)
		case refused:
			ae := c.e.Refused("ingestEvents", http.StatusUnprocessableEntity, CodeEventRefused, reason, "event_id")
			ae.RequestID = ans.RequestID
			r.Err = ae
		}
	}
}

// checkEvent checks one event's fields as Meteroid would (the size of its
// JSON aside: see encodeEvent). It also returns an upper bound of the
// length of e's JSON, each character escaped at worst as \u00XX (6 bytes),
// plus the punctuation: counted in the same walk over the properties.
func checkEvent(index int, e Event, now time.Time, backfill bool) (bound int, err error) {
	bad := func(field, reason string) (int, error) {
		return 0, &billbridge.ValidationError{Index: index, Field: field, Reason: reason}
	}
	for _, f := range [...]struct{ name, v string }{{"event_id", e.EventId}, {"customer_id", e.CustomerId}, {"code", e.Code}, {"timestamp", e.Timestamp}} {
		if !utf8.ValidString(f.v) {
			return bad(f.name, "is not valid UTF-8")
		}
	}
	switch {
	case utf8.RuneCountInString(e.EventId) > MaxEventIDLength:
		return bad("event_id", fmt.Sprintf("has %d characters, more than Meteroid's %d", utf8.RuneCountInString(e.EventId), MaxEventIDLength))
	case e.CustomerId == "":
		return bad("customer_id", "is required (a customer id or alias)")
	case e.Code == "":
		return bad("code", "is required (the billable metric's code)")
	case utf8.RuneCountInString(e.Code) > MaxCodeLength:
		return bad("code", fmt.Sprintf("has %d characters, more than Meteroid's %d", utf8.RuneCountInString(e.Code), MaxCodeLength))
	case e.Timestamp == "":
		return bad("timestamp", "is required (RFC 3339)")
	}
	at, perr := time.Parse(time.RFC3339Nano, e.Timestamp)
	switch {
	case perr != nil:
		return bad("timestamp", fmt.Sprintf("%q is not an RFC 3339 timestamp", e.Timestamp))
	case now.IsZero():
	case !backfill && at.Before(now.Add(-IngestPast)):
		return bad("timestamp", fmt.Sprintf("%s is more than 24 hours in the past (Meteroid refuses it without allow_backfilling: meteroid.WithBackfill)", e.Timestamp))
	case at.After(now.Add(IngestFuture)):
		return bad("timestamp", fmt.Sprintf("%s is more than 1 hour in the future", e.Timestamp))
	}
	bound = 64 + 6*(len(e.EventId)+len(e.CustomerId)+len(e.Code)+len(e.Timestamp))
	if e.Properties != nil {
		for k, v := range *e.Properties {
			switch {
			case k == "":
				return bad("properties", "has an empty property name")
			case !utf8.ValidString(k):
				return bad("properties", "has a property name that is not valid UTF-8")
			case !utf8.ValidString(v):
				return bad("properties."+k, "is not valid UTF-8")
			}
			bound += 6 + 6*(len(k)+len(v))
		}
	}
	return bound, nil
}

// encodeEvent checks an event and returns its JSON.
func encodeEvent(index int, e Event, now time.Time, backfill bool) ([]byte, error) {
	if _, err := checkEvent(index, e, now, backfill); err != nil {
		return nil, err
	}
	raw := appendEvent(make([]byte, 0, 128), e)
	if ingestEnvelope+len(raw) > MaxIngestBytes {
		return nil, tooBig(index, len(raw))
	}
	return raw, nil
}

func tooBig(index, size int) error {
	return &billbridge.ValidationError{Index: index, Field: "properties",
		Reason: fmt.Sprintf("the event's JSON is %d bytes, over Meteroid's %d-byte request cap", size, MaxIngestBytes)}
}

// appendEvent appends e's JSON to b: what json.Marshal writes (properties
// in key order), without reflection.
func appendEvent(b []byte, e Event) []byte {
	b = append(b, `{"code":`...)
	b = appendString(b, e.Code)
	b = append(b, `,"customer_id":`...)
	b = appendString(b, e.CustomerId)
	b = append(b, `,"event_id":`...)
	b = appendString(b, e.EventId)
	if e.Properties != nil {
		b = append(b, `,"properties":{`...)
		for i, k := range slices.Sorted(maps.Keys(*e.Properties)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, (*e.Properties)[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"timestamp":`...)
	b = appendString(b, e.Timestamp)
	return append(b, '}')
}

// appendString appends s as a JSON string: as it is when it needs no
// escape, else as encoding/json escapes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// repeatWindow remembers the latest distinct (event_id, customer_id)
// pairs, as 16-byte hashes with the index of the item that brought each, in
// two generations of n/2: when the current one is full, the older is
// dropped and a new one begun. It holds the last n/2 pairs at least and n
// at most, and its memory stays flat however long the input (a map whose
// entries are deleted one by one keeps growing from its tombstones).
//
// The first generation grows as pairs come: made at its full size, its
// table (about 1.5 MB) was cleared page by page before the first request
// of every call, a short one's too (5 ms of a push's start). Later
// generations are made at full size, the call having shown it fills them.
type repeatWindow struct {
	half      int
	cur, prev map[[16]byte]int
	buf       []byte // len(event_id), event_id, customer_id: what is hashed
}

func newRepeatWindow(n int) *repeatWindow {
	return &repeatWindow{half: max(n/2, 1), cur: map[[16]byte]int{}}
}

// add records the pair of item index; when it is held already it returns
// the earlier item's index and false.
func (w *repeatWindow) add(eventID, customer string, index int) (int, bool) {
	// The length first: ("a\x00b", "c") and ("a", "b\x00c") are two pairs.
	w.buf = append(append(binary.AppendUvarint(w.buf[:0], uint64(len(eventID))), eventID...), customer...)
	sum := sha256.Sum256(w.buf)
	k := [16]byte(sum[:16])
	if earlier, ok := w.cur[k]; ok {
		return earlier, false
	}
	if earlier, ok := w.prev[k]; ok {
		return earlier, false
	}
	if len(w.cur) == w.half {
		w.prev, w.cur = w.cur, make(map[[16]byte]int, w.half)
	}
	w.cur[k] = index
	return index, true
}
