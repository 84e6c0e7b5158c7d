package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/internal/jsonvalue"
	"github.com/billbridge/billbridge/internal/validate"
	"github.com/billbridge/billbridge/pkg/option"
)

// Subscription is a subscription as listed (and as CreateSubscriptions,
// UpdateSubscriptions and CancelSubscriptions return it).
type Subscription = meteroidapi.Subscription

// SubscriptionDetails is a subscription with its price components, add-ons
// and coupons, as GetSubscription returns it.
type SubscriptionDetails = meteroidapi.SubscriptionDetails

// SubscriptionCreateRequest is the body of a subscription create:
// plan_id, customer_id_or_alias, start_date and activation_condition are
// required.
type SubscriptionCreateRequest = meteroidapi.SubscriptionCreateRequest

// SubscriptionUpdateRequest is the body of a subscription PATCH: the six
// settings it can change.
type SubscriptionUpdateRequest = meteroidapi.SubscriptionUpdateRequest

// CancelSubscriptionRequest says when (and why) to cancel.
type CancelSubscriptionRequest = meteroidapi.CancelSubscriptionRequest

// PaymentMethodsConfig is how a subscription's invoices may be paid.
type PaymentMethodsConfig = meteroidapi.PaymentMethodsConfig

// SubscriptionStatus is a subscription's status, as a list filter takes it.
type SubscriptionStatus = meteroidapi.SubscriptionStatus

// ActivationCondition says when a new subscription becomes active
// (meteroidapi.ActivationOnStart, ActivationOnCheckout, ActivationManual).
type ActivationCondition = meteroidapi.SubscriptionActivationCondition

// loadSubscriptionValidators reads the subscription request schemas once.
var loadSubscriptionValidators = validate.Schemas(Provider, schemas.Meteroid,
	"SubscriptionCreateRequest", "SubscriptionUpdateRequest", "CancelSubscriptionRequest")

// subscriptionRules is how Meteroid stores a subscription create, for the
// comparison with a subscription found under the item's natural key: the
// customer is read back as customer_id (and customer_alias), not as the
// customer_id_or_alias the item names it by, which the key already
// matched; activation_condition is not returned at all. The other fields
// the subscription does not return are writeOnly in the spec.
var subscriptionRules = engine.Rules{
	Ignore: func(path string, _, _ any) bool {
		return path == "customer_id_or_alias" || path == "activation_condition"
	},
}

// CreateSubscriptions creates subscriptions, one POST per item with up to
// Concurrency in flight, and returns one result per item in input order:
// ID the new subscription's id, Value the subscription (in the list's
// shape), Status 201. Items that break the spec (a missing plan_id,
// customer_id_or_alias, start_date or activation_condition) fail locally
// with a *billbridge.ValidationError naming the item and the field, and are
// not sent.
//
// Meteroid offers no idempotency key and no unique field on a
// subscription, so every create is a keyed write (see option.WithMode) on
// the natural key (customer, plan_id, start_date): a customer rarely holds
// two subscriptions to one plan that start on the same day, so a
// subscription found under an item's key is taken for the item's. Before
// sending, the call reads the customer's subscriptions to the plan (GET
// /api/v1/subscriptions?customer_id=…&plan_id=…, every page) and
//   - none starts on start_date: the item is created (Outcome Created);
//   - one does, holding the item's data (every field the item sets that a
//     subscription returns): Outcome Unchanged, Existing set, nothing sent;
//   - one does, holding other data: in ModeCreate (the default) a conflict
//     naming the subscription and the first differing field; in ModeUpsert
//     a PATCH of the differing fields when all of them are among the six
//     PATCH can change (auto_advance_invoices, charge_automatically,
//     invoice_memo, net_terms, payment_methods_config, purchase_order),
//     else a conflict naming the first field PATCH cannot change; ModePlan
//     sends nothing and says what an upsert would do;
//   - two or more do: a conflict (which one is the item's cannot be told).
//
// Two items of one call with the same key: the later one fails with a
// *billbridge.ValidationError naming the earlier. A customer named by
// alias in one item and by id in another is not refused so (the keys
// differ as given), but an alias is resolved to the customer's id (one GET
// per alias and call) and such items are written one after the other: the
// later one finds the earlier one's subscription (Outcome Unchanged, or a
// conflict when its data differ), and nothing is created twice. An item
// whose alias cannot be read (a failure other than not found, after the
// retries) is not written: its error wraps billbridge.ErrNotSent.
//
// A POST is repeated only when Meteroid surely did not act on it (429, or
// a connection that failed before the request was written). When it may
// have acted (no answer, a 5xx, an unreadable 2xx), the customer's
// subscriptions to the plan are read again: found holding the item's data,
// the lost create is Created with Existing set; not found, the item is sent
// again, up to maxCreateRounds sends in all.
func (c *Client) CreateSubscriptions(ctx context.Context, items []SubscriptionCreateRequest, opts ...option.RequestOption) []billbridge.Result[Subscription] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginSubscriptions(ctx, len(items))
	for range kc.Unique(slices.Values(items)) {
	}
	return batch.Run(ctx, items, c.e.BatchOptions(1), batch.Each(c.createSubscriptionWith(kc)))
}

// CreateSubscriptionsSeq is CreateSubscriptions over a stream, in bounded
// memory (the keys seen take about 40 bytes each, and each distinct alias
// its customer's id). Results arrive in input
// order; breaking out of the loop cancels the requests in flight.
func (c *Client) CreateSubscriptionsSeq(ctx context.Context, items iter.Seq[SubscriptionCreateRequest], opts ...option.RequestOption) iter.Seq[billbridge.Result[Subscription]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginSubscriptions(ctx, 0)
	return batch.Stream(ctx, kc.Unique(items), -1, c.e.BatchOptions(1), batch.Each(c.createSubscriptionWith(kc)))
}

// CreateSubscription creates one subscription, as CreateSubscriptions does
// for one item.
func (c *Client) CreateSubscription(ctx context.Context, item SubscriptionCreateRequest, opts ...option.RequestOption) (*Subscription, error) {
	r := c.CreateSubscriptions(ctx, []SubscriptionCreateRequest{item}, opts...)[0]
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

// SyncSubscriptions is CreateSubscriptions in ModeUpsert unless opts give
// another mode: a subscription found under an item's key with other data
// is patched where PATCH can change the difference.
func (c *Client) SyncSubscriptions(ctx context.Context, items []SubscriptionCreateRequest, opts ...option.RequestOption) []billbridge.Result[Subscription] {
	return c.CreateSubscriptions(ctx, items, append([]option.RequestOption{option.WithMode(billbridge.ModeUpsert)}, opts...)...)
}

// SyncSubscriptionsSeq is SyncSubscriptions over a stream.
func (c *Client) SyncSubscriptionsSeq(ctx context.Context, items iter.Seq[SubscriptionCreateRequest], opts ...option.RequestOption) iter.Seq[billbridge.Result[Subscription]] {
	return c.CreateSubscriptionsSeq(ctx, items, append([]option.RequestOption{option.WithMode(billbridge.ModeUpsert)}, opts...)...)
}

// ValidateSubscription checks a subscription create as CreateSubscriptions
// does before sending. It returns a *billbridge.ValidationError (Index 0)
// naming the field, or nil.
func ValidateSubscription(item SubscriptionCreateRequest) error { return checkSubscription(0, item) }

func checkSubscription(index int, item SubscriptionCreateRequest) error {
	if item.StartDate.IsZero() {
		return &billbridge.ValidationError{Index: index, Field: "start_date", Reason: "required: the date the subscription starts (YYYY-MM-DD)"}
	}
	vs, err := loadSubscriptionValidators()
	if err != nil {
		return err
	}
	return vs[0].Check(index, item)
}

type subscriptionCall = engine.KeyedCall[SubscriptionCreateRequest, Subscription, Subscription]

// subscriptionKey is an item's natural key: customer, plan, start date.
func subscriptionKey(item SubscriptionCreateRequest) string {
	return item.CustomerIdOrAlias + " | " + item.PlanId + " | " + item.StartDate.Format(time.DateOnly)
}

// storedKey is a subscription's key with the customer named by id.
func storedKey(s Subscription) string {
	return s.CustomerId + " | " + s.PlanId + " | " + s.StartDate.Format(time.DateOnly)
}

func (c *Client) beginSubscriptions(ctx context.Context, expected int) *subscriptionCall {
	writeOnly := validate.WriteOnlyOf(loadSubscriptionValidators, 0) // loaded, or refused by every item's check
	// No Pages: the key names the customer by id or alias, and a
	// subscription is listed under its id, so an index of every
	// subscription could miss an item named by alias. Lookup asks the
	// server, which takes either.
	k := &engine.Keyed[SubscriptionCreateRequest, Subscription, Subscription]{
		Engine: c.e, Op: "createSubscription", KeyName: "customer+plan_id+start_date", Entity: "subscription",
		Compare:    engine.NewComparer(writeOnly, subscriptionRules),
		ID:         func(s Subscription) string { return s.Id },
		Value:      func(s Subscription) Subscription { return s },
		Lookup:     c.lookupSubscriptions,
		PerRequest: 1,
		Create:     c.sendSubscriptionCreates,
		Update:     c.patchFoundSubscriptions,
		Rounds:     maxCreateRounds,
	}
	return k.Begin(ctx, subscriptionKey, storedKey, expected)
}

// createSubscriptionWith validates one create and writes it through the call.
//
// Items of the call that name one customer differently (its id in one, its
// alias in another) with the same plan and start date have different keys,
// so Unique lets both through; run at once, both read-backs found nothing
// and both created. So the customer of an item named by alias is resolved
// to its id (a GET, once per alias and call), and the writes of items
// whose resolved keys are equal run one after the other: the later one's
// read-back finds the earlier one's subscription, as a re-run would.
func (c *Client) createSubscriptionWith(kc *subscriptionCall) func(ctx context.Context, index int, item SubscriptionCreateRequest) billbridge.Result[Subscription] {
	var customers aliasCache
	var locks keyLocks
	return func(ctx context.Context, index int, item SubscriptionCreateRequest) billbridge.Result[Subscription] {
		if err := checkSubscription(index, item); err != nil {
			return billbridge.Result[Subscription]{Err: err}
		}
		id, attempts, err := customers.resolve(ctx, c, item.CustomerIdOrAlias)
		if err != nil {
			// Written unresolved, the item could run beside one naming the
			// customer by id, and both create: it is not written at all.
			return billbridge.Result[Subscription]{Attempts: attempts, Err: &billbridge.APIError{Provider: Provider, Operation: "createSubscription",
				Message: fmt.Sprintf("item %d: reading customer %q to resolve its alias, which the write waits for: %v", index, item.CustomerIdOrAlias, err),
				Err:     fmt.Errorf("%w: %w", billbridge.ErrNotSent, err)}}
		}
		key := id + " | " + item.PlanId + " | " + item.StartDate.Format(time.DateOnly)
		unlock := locks.lock(key)
		defer unlock()
		res := make([]billbridge.Result[Subscription], 1)
		kc.Write(ctx, []int{index}, []SubscriptionCreateRequest{item}, res)
		res[0].Attempts += attempts
		return res[0]
	}
}

// aliasCache resolves customer aliases to ids once per call (an id is its
// own). An alias no customer has stays as it is, and the write reports the
// unknown customer; a read that fails otherwise is an error for the item,
// not remembered, so that the next item naming the alias reads it again.
type aliasCache struct {
	mu  sync.Mutex
	ids map[string]*aliasEntry
}

type aliasEntry struct {
	mu       sync.Mutex
	resolved bool
	id       string
}

func (a *aliasCache) resolve(ctx context.Context, c *Client, idOrAlias string) (id string, attempts int, err error) {
	if strings.HasPrefix(idOrAlias, idPrefix) {
		return idOrAlias, 0, nil
	}
	a.mu.Lock()
	if a.ids == nil {
		a.ids = map[string]*aliasEntry{}
	}
	e, ok := a.ids[idOrAlias]
	if !ok {
		e = &aliasEntry{}
		a.ids[idOrAlias] = e
	}
	a.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.resolved {
		return e.id, 0, nil
	}
	cust, ans, err := c.get(ctx, idOrAlias)
	if ans != nil {
		attempts = ans.Attempts
	}
	switch {
	case err == nil && cust.Id != "":
		e.id = cust.Id
	case err == nil, errors.Is(err, billbridge.ErrNotFound):
		e.id = idOrAlias
	default:
		return "", attempts, err
	}
	e.resolved = true
	return e.id, attempts, nil
}

// keyLocks serialises the writes of one key; a key's lock is dropped when
// no write holds or waits for it.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	n int
}

func (l *keyLocks) lock(key string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*keyLock{}
	}
	k, ok := l.m[key]
	if !ok {
		k = &keyLock{}
		l.m[key] = k
	}
	k.n++
	l.mu.Unlock()
	k.Lock()
	return func() {
		k.Unlock()
		l.mu.Lock()
		if k.n--; k.n == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}

// lookupSubscriptions reads, per item, the customer's subscriptions to the
// plan (every page; one walk per customer and plan) and keeps those that
// start on the item's start date.
func (c *Client) lookupSubscriptions(ctx context.Context, key func(SubscriptionCreateRequest) string, _ func(Subscription) string, items []SubscriptionCreateRequest) (map[string][]Subscription, int, error) {
	found := map[string][]Subscription{}
	walked := map[[2]string][]Subscription{}
	attempts := 0
	var lastErr error
	for _, it := range items {
		pair := [2]string{it.CustomerIdOrAlias, it.PlanId}
		subs, ok := walked[pair]
		if !ok {
			q := SubscriptionQuery{CustomerIDOrAlias: it.CustomerIdOrAlias, PlanID: it.PlanId}
			var err error
			subs, err = c.walkSubscriptions(ctx, q, &attempts)
			if err != nil {
				lastErr = err // this key stays unsettled; the others go on
				continue
			}
			walked[pair] = subs
		}
		day := it.StartDate.Format(time.DateOnly)
		var same []Subscription
		for _, s := range subs {
			if s.StartDate.Format(time.DateOnly) == day {
				same = append(same, s)
			}
		}
		found[key(it)] = same
	}
	return found, attempts, lastErr
}

// walkSubscriptions collects every subscription q selects, counting the
// attempts.
func (c *Client) walkSubscriptions(ctx context.Context, q SubscriptionQuery, attempts *int) ([]Subscription, error) {
	fetch := c.subscriptionPages(q, MaxPageSize, attempts)
	var out []Subscription
	for s, err := range engine.Distinct(engine.Pages(ctx, 0, fetch), func(s Subscription) string { return s.Id }) {
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// sendSubscriptionCreates sends each item as one POST /api/v1/subscriptions.
func (c *Client) sendSubscriptionCreates(ctx context.Context, items []SubscriptionCreateRequest, res []billbridge.Result[Subscription]) {
	for i, item := range items {
		call := engine.Call{Op: "createSubscription", Unsafe: true, Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.CreateSubscription(ctx, item)
		}}
		ans, err := c.e.Call(ctx, call)
		res[i].Attempts, res[i].Status, res[i].Err = ans.Attempts, ans.Status, err
		if err != nil {
			continue
		}
		var d SubscriptionDetails
		if err := decodeSubscription(ans.Body, &d); err != nil {
			// Created, but the answer is unreadable: an unknown outcome
			// that the read-back settles.
			res[i].Err = c.e.Undecodable(call, ans, err)
			continue
		}
		res[i].ID, res[i].Value = d.Id, jsoncopy.Convert[Subscription](d)
	}
}

// decodeSubscription decodes a subscription (list or details shape) and
// checks that it carries its id.
func decodeSubscription(body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return err
	}
	var id struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &id)
	if id.ID == "" {
		return errors.New("the subscription has no id")
	}
	return nil
}

// patchFoundSubscriptions updates subscriptions found holding other data
// than their items (ModeUpsert) with a PATCH of the fields that differ; a
// differing field PATCH cannot change makes the item a conflict naming it.
func (c *Client) patchFoundSubscriptions(ctx context.Context, found []Subscription, items []SubscriptionCreateRequest, changes [][]billbridge.Change, res []billbridge.Result[Subscription]) {
	for i, item := range items {
		patch, blocked, err := subscriptionPatchOf(item, changes[i])
		switch {
		case err != nil:
			res[i].Err = err
			continue
		case blocked != "":
			res[i].Err = &billbridge.APIError{Provider: Provider, Operation: "updateSubscription", Code: CodeConflict, Param: blocked,
				Err: billbridge.ErrConflict, StatusCode: http.StatusOK,
				Message: fmt.Sprintf("subscription %s (customer %s, plan %s, start %s): field %s differs and PATCH cannot change it (only %s)",
					found[i].Id, item.CustomerIdOrAlias, item.PlanId, item.StartDate.Format(time.DateOnly), blocked, strings.Join(patchableSubscriptionFields(), ", "))}
			res[i].Status = http.StatusOK
			continue
		}
		res[i] = c.updateSubscriptionOne(ctx, 0, SubscriptionUpdate{ID: found[i].Id, Patch: patch})
	}
}

func patchableSubscriptionFields() []string {
	fields := jsonvalue.Fields(reflect.TypeFor[SubscriptionUpdateRequest]())
	out := make([]string, 0, len(fields))
	for f := range fields {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// subscriptionPatchOf is the PATCH that sets the top-level fields of item
// named in changes, or the first changed field PATCH cannot carry.
func subscriptionPatchOf(item SubscriptionCreateRequest, changes []billbridge.Change) (SubscriptionUpdateRequest, string, error) {
	var all map[string]json.RawMessage
	raw, err := json.Marshal(item)
	if err == nil {
		err = json.Unmarshal(raw, &all)
	}
	if err != nil {
		return SubscriptionUpdateRequest{}, "", err
	}
	patchable := jsonvalue.Fields(reflect.TypeFor[SubscriptionUpdateRequest]())
	part := map[string]json.RawMessage{}
	for _, ch := range changes {
		top, _, _ := strings.Cut(ch.Field, "/")
		if _, ok := patchable[top]; !ok {
			return SubscriptionUpdateRequest{}, top, nil
		}
		part[top] = all[top]
	}
	raw, _ = json.Marshal(part)
	var patch SubscriptionUpdateRequest
	return patch, "", json.Unmarshal(raw, &patch)
}

// SubscriptionUpdate is one item of UpdateSubscriptions: the subscription's
// id (sub_…) and the settings to change.
type SubscriptionUpdate struct {
	// ID is the subscription's id.
	ID string
	// Patch holds the settings to change; nil fields are left as they are.
	Patch SubscriptionUpdateRequest
}

// UpdateSubscriptions changes subscriptions' settings (PATCH
// /api/v1/subscriptions/{id}: only the six fields of
// SubscriptionUpdateRequest), one request per item with up to Concurrency
// in flight, and returns one result per item in input order: ID the
// subscription's id, Value the subscription after the change, Status 200.
// An empty ID or a patch that breaks the spec fails locally with a
// *billbridge.ValidationError; an unknown subscription's error wraps
// billbridge.ErrNotFound. A PATCH applied twice leaves what applying it
// once does, so every retryable failure is retried.
func (c *Client) UpdateSubscriptions(ctx context.Context, updates []SubscriptionUpdate, opts ...option.RequestOption) []billbridge.Result[Subscription] {
	return batch.Run(c.e.Context(ctx, opts), updates, c.e.BatchOptions(1), batch.Each(c.updateSubscriptionOne))
}

// UpdateSubscriptionsSeq is UpdateSubscriptions over a stream.
func (c *Client) UpdateSubscriptionsSeq(ctx context.Context, updates iter.Seq[SubscriptionUpdate], opts ...option.RequestOption) iter.Seq[billbridge.Result[Subscription]] {
	return batch.Stream(c.e.Context(ctx, opts), updates, -1, c.e.BatchOptions(1), batch.Each(c.updateSubscriptionOne))
}

// UpdateSubscription changes one subscription's settings and returns it.
func (c *Client) UpdateSubscription(ctx context.Context, id string, patch SubscriptionUpdateRequest, opts ...option.RequestOption) (*Subscription, error) {
	r := c.updateSubscriptionOne(c.e.Context(ctx, opts), 0, SubscriptionUpdate{ID: id, Patch: patch})
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

func emptySubscriptionID(index int) error {
	return &billbridge.ValidationError{Index: index, Field: "subscription_id", Reason: "must not be empty: give the subscription's id (sub_…)"}
}

func (c *Client) updateSubscriptionOne(ctx context.Context, index int, u SubscriptionUpdate) billbridge.Result[Subscription] {
	if u.ID == "" {
		return billbridge.Result[Subscription]{Err: emptySubscriptionID(index)}
	}
	vs, err := loadSubscriptionValidators()
	if err == nil {
		err = vs[1].Check(index, u.Patch)
	}
	if err != nil {
		return billbridge.Result[Subscription]{Err: err}
	}
	return c.subscriptionCall(ctx, index, engine.Call{Op: "updateSubscription", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.UpdateSubscription(ctx, u.ID, u.Patch)
	}})
}

// subscriptionCall sends a call answered with {subscription} and decodes it.
func (c *Client) subscriptionCall(ctx context.Context, index int, call engine.Call) billbridge.Result[Subscription] {
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		c.e.Logger.Debug("meteroid: item failed", "index", index, "status", ans.Status, "attempts", ans.Attempts, "error", err.Error())
		return billbridge.Result[Subscription]{Err: err, Status: ans.Status, Attempts: ans.Attempts}
	}
	var body struct {
		Subscription json.RawMessage `json:"subscription"`
	}
	var s Subscription
	if err = json.Unmarshal(ans.Body, &body); err == nil {
		err = decodeSubscription(body.Subscription, &s)
	}
	if err != nil {
		return billbridge.Result[Subscription]{Err: c.e.Undecodable(call, ans, err), Status: ans.Status, Attempts: ans.Attempts}
	}
	return billbridge.Result[Subscription]{ID: s.Id, Value: s, Status: ans.Status, Attempts: ans.Attempts}
}

// SubscriptionCancel is one item of CancelSubscriptions: the subscription's
// id and when and why to cancel it (zero: at the end of the current
// period).
type SubscriptionCancel struct {
	// ID is the subscription's id.
	ID string
	// Cancel is the body: effective_date, reason.
	Cancel CancelSubscriptionRequest
}

// CancelSubscriptions cancels subscriptions (POST
// /api/v1/subscriptions/{id}/cancel), one request per item with up to
// Concurrency in flight, and returns one result per item in input order:
// ID the subscription's id, Value the subscription as cancelled, Status
// 200. Without an effective_date the cancellation takes effect at the end
// of the current billing or committed period. Cancelling a cancelled
// subscription answers it as it is (the spec's reading), so although it is
// a POST every retryable failure is retried. An empty ID fails locally; an
// unknown subscription's error wraps billbridge.ErrNotFound.
func (c *Client) CancelSubscriptions(ctx context.Context, items []SubscriptionCancel, opts ...option.RequestOption) []billbridge.Result[Subscription] {
	return batch.Run(c.e.Context(ctx, opts), items, c.e.BatchOptions(1), batch.Each(c.cancelOne))
}

// CancelSubscriptionsSeq is CancelSubscriptions over a stream.
func (c *Client) CancelSubscriptionsSeq(ctx context.Context, items iter.Seq[SubscriptionCancel], opts ...option.RequestOption) iter.Seq[billbridge.Result[Subscription]] {
	return batch.Stream(c.e.Context(ctx, opts), items, -1, c.e.BatchOptions(1), batch.Each(c.cancelOne))
}

// CancelSubscription cancels one subscription and returns it.
func (c *Client) CancelSubscription(ctx context.Context, id string, cancel CancelSubscriptionRequest, opts ...option.RequestOption) (*Subscription, error) {
	r := c.cancelOne(c.e.Context(ctx, opts), 0, SubscriptionCancel{ID: id, Cancel: cancel})
	if r.Err != nil {
		return nil, r.Err
	}
	return &r.Value, nil
}

func (c *Client) cancelOne(ctx context.Context, index int, item SubscriptionCancel) billbridge.Result[Subscription] {
	if item.ID == "" {
		return billbridge.Result[Subscription]{Err: emptySubscriptionID(index)}
	}
	vs, err := loadSubscriptionValidators()
	if err == nil {
		err = vs[2].Check(index, item.Cancel)
	}
	if err != nil {
		return billbridge.Result[Subscription]{Err: err}
	}
	return c.subscriptionCall(ctx, index, engine.Call{Op: "cancelSubscription", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.CancelSubscription(ctx, item.ID, item.Cancel)
	}})
}

// GetSubscription reads one subscription with its parts by id. An unknown
// id is a *billbridge.APIError that matches billbridge.ErrNotFound.
func (c *Client) GetSubscription(ctx context.Context, id string, opts ...option.RequestOption) (*SubscriptionDetails, error) {
	if id == "" {
		return nil, emptySubscriptionID(0)
	}
	call := engine.Call{Op: "subscriptionDetails", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.SubscriptionDetails(ctx, id)
	}}
	ans, err := c.e.Call(c.e.Context(ctx, opts), call)
	if err != nil {
		return nil, err
	}
	var d SubscriptionDetails
	if err := decodeSubscription(ans.Body, &d); err != nil {
		return nil, c.e.Undecodable(call, ans, err)
	}
	return &d, nil
}

// SubscriptionQuery selects the subscriptions ListSubscriptions walks. The
// zero value lists every subscription.
type SubscriptionQuery struct {
	// CustomerIDOrAlias keeps one customer's subscriptions ("": all).
	CustomerIDOrAlias string
	// PlanID keeps one plan's subscriptions ("": all).
	PlanID string
	// Statuses keeps the subscriptions in one of these statuses (none: all).
	Statuses []SubscriptionStatus
	// PageSize is the per_page of each request: 0 for DefaultPageSize,
	// else 1 to MaxPageSize.
	PageSize int
}

// ListSubscriptions walks every page of GET /api/v1/subscriptions and
// yields each subscription q selects once, oldest first: like
// ListCustomers it sends order_by=created_at.asc (the server's default is
// newest first), so a subscription created during the walk lands after
// its position and nothing already there is skipped or repeated by it; a
// cancellation does not remove a subscription from the listing. Ids
// already yielded are never yielded again. Errors, breaking out and a
// cancelled context behave as in ListCustomers.
func (c *Client) ListSubscriptions(ctx context.Context, q SubscriptionQuery, opts ...option.RequestOption) iter.Seq2[Subscription, error] {
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		return engine.Fail[Subscription](&billbridge.ValidationError{Field: "page_size",
			Reason: fmt.Sprintf("%d: must be between 1 and %d (0 takes the default, %d)", q.PageSize, MaxPageSize, DefaultPageSize)})
	}
	perPage := int32(q.PageSize)
	if perPage == 0 {
		perPage = DefaultPageSize
	}
	ctx = c.e.Context(ctx, opts)
	return engine.Distinct(engine.Pages(ctx, 0, c.subscriptionPages(q, perPage, nil)), func(s Subscription) string { return s.Id })
}

// subscriptionPages reads the pages of GET /api/v1/subscriptions for q,
// adding each page's attempts to attempts when it is not nil.
func (c *Client) subscriptionPages(q SubscriptionQuery, perPage int32, attempts *int) engine.FetchPage[Subscription, int32] {
	return func(ctx context.Context, page int32) (engine.Page[Subscription, int32], error) {
		params := &meteroidapi.ListSubscriptionsParams{OrderBy: &walkOrder, Page: &page, PerPage: &perPage}
		if q.CustomerIDOrAlias != "" {
			params.CustomerId = &q.CustomerIDOrAlias
		}
		if q.PlanID != "" {
			params.PlanId = &q.PlanID
		}
		if len(q.Statuses) > 0 {
			params.Statuses = &q.Statuses
		}
		call := engine.Call{Op: "listSubscriptions", Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.ListSubscriptions(ctx, params)
		}}
		ans, err := c.e.Call(ctx, call)
		if attempts != nil && ans != nil {
			*attempts += ans.Attempts
		}
		if err != nil {
			return engine.Page[Subscription, int32]{}, err
		}
		var list meteroidapi.SubscriptionList
		if err := json.Unmarshal(ans.Body, &list); err != nil {
			return engine.Page[Subscription, int32]{}, c.e.Undecodable(call, ans, err)
		}
		for i, s := range list.Data {
			if s.Id == "" {
				return engine.Page[Subscription, int32]{}, c.e.Undecodable(call, ans, fmt.Errorf("data[%d]: the subscription has no id", i))
			}
		}
		return engine.Page[Subscription, int32]{Items: list.Data, Next: page + 1,
			Last: page+1 >= list.PaginationMeta.TotalPages, Total: int(list.PaginationMeta.TotalItems)}, nil
	}
}
