package meteroidtest

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/flex"
)

// MaxIngestBody is the body cap of POST /api/v1/events/ingest the fake
// enforces (413 above it): Meteroid's 1 MB, read as 1,000,000 bytes as the
// spec does.
const MaxIngestBody = 1_000_000

// Ingestion window without allow_backfilling, as Meteroid documents it.
const (
	IngestPast   = 24 * time.Hour
	IngestFuture = time.Hour
)

// Metric is a billable metric of the fake, which the usage endpoints report:
// events whose code is Code add up under it. Aggregation is "COUNT" (the
// number of events) or "SUM" (the sum of the numeric property Property;
// an event whose property is absent or not a number adds nothing). Events
// of a code that no configured metric names are counted under an implicit
// COUNT metric with id "bm_<code>" and the code as its name.
type Metric struct {
	ID, Name, Code string
	Aggregation    string
	Property       string
}

// WithMetrics adds billable metrics (see Metric).
func WithMetrics(ms ...Metric) Option {
	return func(cfg *Config) { cfg.Metrics = append(cfg.Metrics, ms...) }
}

// WithSubscriptions adds subscriptions for the usage reads: subscription
// id → the customer (id or alias) whose usage it reports. The fake keeps no
// other subscription data; a subscription's default period is the current
// calendar month (UTC).
func WithSubscriptions(subs map[string]string) Option {
	return func(cfg *Config) {
		if cfg.Subscriptions == nil {
			cfg.Subscriptions = map[string]string{}
		}
		for k, v := range subs {
			cfg.Subscriptions[k] = v
		}
	}
}

// eventKey identifies an event for deduplication: its event_id and the id
// of the customer its customer_id resolves to (an id and an alias of one
// customer are one customer, as the spec assumes Meteroid does).
type eventKey struct{ eventID, customer string }

// storedEvent is an event as the fake keeps it: compact, so that millions
// fit (the code is interned).
type storedEvent struct {
	code  string
	at    time.Time
	props map[string]string
}

// events is the fake's event store, behind its own lock (ingestion does not
// wait on customer calls).
type events struct {
	mu       sync.Mutex
	byKey    map[eventKey]*storedEvent
	codes    map[string]string // interned codes
	received int               // events accepted, duplicates included
	metrics  []Metric
	sums     map[string]bool // codes a SUM metric reads properties of
	now      func() time.Time
}

func newEvents(metrics []Metric) *events {
	ev := &events{byKey: map[eventKey]*storedEvent{}, codes: map[string]string{}, metrics: metrics, sums: map[string]bool{}, now: time.Now}
	for _, m := range metrics {
		if strings.EqualFold(m.Aggregation, "SUM") {
			ev.sums[m.Code] = true
		}
	}
	return ev
}

// UniqueEvents returns the number of distinct events ingested so far: one
// per (event_id, customer), however often it was sent.
func (s *Server) UniqueEvents() int {
	s.st.ev.mu.Lock()
	defer s.st.ev.mu.Unlock()
	return len(s.st.ev.byKey)
}

// ReceivedEvents returns the number of events accepted so far, each
// duplicate counted again (UniqueEvents counts them once).
func (s *Server) ReceivedEvents() int {
	s.st.ev.mu.Lock()
	defer s.st.ev.mu.Unlock()
	return s.st.ev.received
}

// Event returns the event stored under eventID for the customer (id or
// alias), as the fake keeps it (the latest timestamp of its duplicates;
// properties only where a SUM metric reads them).
func (s *Server) Event(eventID, customer string) (meteroidapi.Event, bool) {
	s.st.mu.Lock()
	id := customer
	if c := s.st.find(customer); c != nil {
		id = c.Id
	}
	s.st.mu.Unlock()
	s.st.ev.mu.Lock()
	defer s.st.ev.mu.Unlock()
	e, ok := s.st.ev.byKey[eventKey{eventID, id}]
	if !ok {
		return meteroidapi.Event{}, false
	}
	out := meteroidapi.Event{EventId: eventID, CustomerId: id, Code: e.code, Timestamp: e.at.Format(time.RFC3339Nano)}
	if e.props != nil {
		p := make(map[string]string, len(e.props))
		for k, v := range e.props {
			p[k] = v
		}
		out.Properties = &p
	}
	return out, true
}

// IngestEvents ingests events as Meteroid does: each is checked (an RFC 3339
// timestamp inside the window unless allow_backfilling, a known customer
// by id or alias), then stored under (event_id, customer), a repeat
// replacing the stored one only when its timestamp is later. Without
// allow_partial_failures the first invalid event refuses the whole batch
// with 400 and nothing is stored; with it, the valid events are stored and
// the others listed in failures. The body cap (413) is checked before (see
// extractorRejects), the schema's limits (1 to 100 events, the lengths) by
// the frame's spec check (a 400 for the batch: the fake cannot report them
// per event, which Meteroid's handler would do with allow_partial_failures).
func (st *store) IngestEvents(_ context.Context, req meteroidserver.IngestEventsRequestObject) (meteroidserver.IngestEventsResponseObject, error) {
	body := req.Body
	partial := body.AllowPartialFailures != nil && *body.AllowPartialFailures
	backfill := body.AllowBackfilling != nil && *body.AllowBackfilling
	now := st.ev.now()
	type valid struct {
		key eventKey
		at  time.Time
		i   int
	}
	ok := make([]valid, 0, len(body.Events))
	var failures []meteroidapi.IngestFailure
	st.mu.Lock()
	for i, e := range body.Events {
		reason := ""
		at, err := time.Parse(time.RFC3339Nano, e.Timestamp)
		c := st.find(e.CustomerId)
		switch {
		case err != nil:
			reason = fmt.Sprintf("timestamp %q is not an RFC 3339 timestamp", e.Timestamp)
		case !backfill && at.Before(now.Add(-IngestPast)):
			reason = "timestamp is more than 24 hours in the past (set allow_backfilling)"
		case at.After(now.Add(IngestFuture)):
			reason = "timestamp is more than 1 hour in the future"
		case c == nil:
			reason = fmt.Sprintf("customer %q not found", e.CustomerId)
		}
		if reason != "" {
			if !partial {
				st.mu.Unlock()
				return meteroidserver.IngestEvents400JSONResponse{BadRequestJSONResponse: meteroidserver.BadRequestJSONResponse{
					Code: meteroidapi.ErrorCodeBadRequest, Message: fmt.Sprintf("event %d (%s): %s", i, e.EventId, reason)}}, nil
			}
			failures = append(failures, meteroidapi.IngestFailure{EventId: e.EventId, Reason: reason})
			continue
		}
		ok = append(ok, valid{eventKey{e.EventId, c.Id}, at, i})
	}
	st.mu.Unlock()
	ev := st.ev
	ev.mu.Lock()
	for _, v := range ok {
		e := body.Events[v.i]
		ev.received++
		if old := ev.byKey[v.key]; old != nil && !v.at.After(old.at) {
			continue // a repeat: the latest timestamp wins
		}
		code, seen := ev.codes[e.Code]
		if !seen {
			code = strings.Clone(e.Code)
			ev.codes[code] = code
		}
		// Properties are kept only where a SUM metric reads them, so that
		// millions of events fit.
		var props map[string]string
		if e.Properties != nil && len(*e.Properties) > 0 && ev.sums[code] {
			props = *e.Properties
		}
		ev.byKey[v.key] = &storedEvent{code: code, at: v.at, props: props}
	}
	ev.mu.Unlock()
	out := meteroidapi.IngestEventsResult{}
	if len(failures) > 0 {
		out.Failures = &failures
	}
	return meteroidserver.IngestEvents200JSONResponse(out), nil
}

// GetCustomerUsage answers the customer's usage over the period, or 404.
func (st *store) GetCustomerUsage(_ context.Context, req meteroidserver.GetCustomerUsageRequestObject) (meteroidserver.GetCustomerUsageResponseObject, error) {
	st.mu.Lock()
	c := st.find(fake.PathParam(req.CustomerId))
	st.mu.Unlock()
	if c == nil {
		return meteroidserver.GetCustomerUsage404JSONResponse{NotFoundJSONResponse: notFound(fake.PathParam(req.CustomerId))}, nil
	}
	p := req.Params
	return meteroidserver.GetCustomerUsage200JSONResponse(st.ev.usage(c.Id, p.StartDate.Time, p.EndDate.Time, p.MetricId)), nil
}

// GetSubscriptionUsage answers the usage of the subscription's customer
// (a subscription created through the API, or one WithSubscriptions names) over the period, by default the current calendar
// month, or 404 for a subscription the fake does not have.
func (st *store) GetSubscriptionUsage(_ context.Context, req meteroidserver.GetSubscriptionUsageRequestObject) (meteroidserver.GetSubscriptionUsageResponseObject, error) {
	id := fake.PathParam(req.SubscriptionId)
	st.mu.Lock()
	var c *meteroidapi.Customer
	if sub, ok := st.subs.byID[id]; ok {
		c = st.find(sub.CustomerId)
	} else if who, ok := st.usageSubs[id]; ok {
		c = st.find(who)
	}
	st.mu.Unlock()
	if c == nil {
		return meteroidserver.GetSubscriptionUsage404JSONResponse{NotFoundJSONResponse: meteroidserver.NotFoundJSONResponse{
			Code: meteroidapi.ErrorCodeNotFound, Message: "Subscription not found: " + id}}, nil
	}
	now := st.ev.now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, -1)
	if p := req.Params.StartDate; p != nil {
		start = p.Time
	}
	if p := req.Params.EndDate; p != nil {
		end = p.Time
	}
	return meteroidserver.GetSubscriptionUsage200JSONResponse(st.ev.usage(c.Id, start, end, req.Params.MetricId)), nil
}

// GetUsageSummary answers the tenant's usage over the period.
func (st *store) GetUsageSummary(_ context.Context, req meteroidserver.GetUsageSummaryRequestObject) (meteroidserver.GetUsageSummaryResponseObject, error) {
	p := req.Params
	return meteroidserver.GetUsageSummary200JSONResponse(st.ev.usage("", p.StartDate.Time, p.EndDate.Time, p.MetricId)), nil
}

// usage aggregates the events of customer ("" for all) whose timestamp's
// UTC day lies in [start, end], per metric, ordered by metric code.
func (ev *events) usage(customer string, start, end time.Time, metricID *string) meteroidapi.UsageResponse {
	from := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	to := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	type total struct {
		m     Metric
		value *big.Rat
	}
	totals := map[string]*total{} // by metric id
	ev.mu.Lock()
	byCode := map[string][]Metric{}
	for _, m := range ev.metrics {
		byCode[m.Code] = append(byCode[m.Code], m)
	}
	for k, e := range ev.byKey {
		if customer != "" && k.customer != customer || e.at.Before(from) || !e.at.Before(to) {
			continue
		}
		ms := byCode[e.code]
		if len(ms) == 0 {
			ms = []Metric{{ID: "bm_" + e.code, Name: e.code, Code: e.code, Aggregation: "COUNT"}}
		}
		for _, m := range ms {
			t := totals[m.ID]
			if t == nil {
				t = &total{m, new(big.Rat)}
				totals[m.ID] = t
			}
			if strings.EqualFold(m.Aggregation, "SUM") {
				if v, ok := new(big.Rat).SetString(e.props[m.Property]); ok {
					t.value.Add(t.value, v)
				}
				continue
			}
			t.value.Add(t.value, big.NewRat(1, 1))
		}
	}
	ev.mu.Unlock()
	out := meteroidapi.UsageResponse{Usage: []meteroidapi.MetricUsage{}}
	out.PeriodStart.Time, out.PeriodEnd.Time = from, to.AddDate(0, 0, -1)
	for _, t := range totals {
		if metricID != nil && *metricID != t.m.ID {
			continue
		}
		out.Usage = append(out.Usage, meteroidapi.MetricUsage{MetricId: t.m.ID, MetricName: t.m.Name, MetricCode: t.m.Code,
			TotalValue: flex.Decimal(ratString(t.value)), GroupedUsage: []meteroidapi.GroupedUsage{}})
	}
	sort.Slice(out.Usage, func(i, j int) bool { return out.Usage[i].MetricId < out.Usage[j].MetricId })
	return out
}

// ratString writes r as a decimal: an integer as it is, else with up to 12
// decimals, trailing zeros cut.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(12)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// tooLarge answers 413 for an ingest body over MaxIngestBody, as Meteroid's
// body limit does (text/plain), and reports whether it did.
func tooLarge(w http.ResponseWriter, size int) bool {
	if size <= MaxIngestBody {
		return false
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = fmt.Fprintf(w, "Failed to buffer the request body: length limit exceeded (%d bytes, at most %d)", size, MaxIngestBody)
	return true
}
