package meteroidtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
	whmeteroid "github.com/billbridge/billbridge/pkg/webhook/meteroid"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// The fake's subscriptions: each names a customer of the store and a plan
// (and version) of the catalog. Meteroid keeps no unique key on a
// subscription, so creating the same body twice makes two: that is what
// the facade's reconcile step must prevent.

// subscriptions holds the subscriptions in creation order. The caller of
// its methods holds the store's mu.
type subscriptions struct {
	byID    map[string]*meteroidapi.SubscriptionDetails
	order   []string
	created int
}

func (s *subscriptions) add(d *meteroidapi.SubscriptionDetails) {
	if s.byID == nil {
		s.byID = map[string]*meteroidapi.SubscriptionDetails{}
	}
	s.byID[d.Id] = d
	s.order = append(s.order, d.Id)
}

func subscriptionNotFound(id string) meteroidserver.EntityNotFoundJSONResponse {
	return meteroidserver.EntityNotFoundJSONResponse{Code: meteroidapi.ErrorCodeNotFound,
		Message: fmt.Sprintf("Subscription not found: no subscription has id %q", id)}
}

func badRequest(format string, args ...any) meteroidserver.BadRequestJSONResponse {
	return meteroidserver.BadRequestJSONResponse{Code: meteroidapi.ErrorCodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// today is the fake's date: activation and migration compare start dates
// with it.
func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func date(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }

// CreateSubscription subscribes a customer (by id or alias) to a plan and
// answers 201 with the details, or 400 for an unknown customer, plan or
// version. ON_START subscriptions starting today or before are ACTIVE,
// later ones PENDING_ACTIVATION; ON_CHECKOUT ones PENDING_CHARGE with a
// checkout_url; MANUAL ones PENDING_ACTIVATION. Billing is monthly from
// start_date; with skip_past_invoices and a past start_date the current
// period is the one holding today, else the first.
func (st *store) CreateSubscription(_ context.Context, req meteroidserver.CreateSubscriptionRequestObject) (meteroidserver.CreateSubscriptionResponseObject, error) {
	b := req.Body
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.find(b.CustomerIdOrAlias)
	if c == nil {
		return meteroidserver.CreateSubscription400JSONResponse{BadRequestJSONResponse: badRequest("customer %q not found", b.CustomerIdOrAlias)}, nil
	}
	p := st.cat.plan(b.PlanId)
	if p == nil {
		return meteroidserver.CreateSubscription400JSONResponse{BadRequestJSONResponse: badRequest("plan %q not found", b.PlanId)}, nil
	}
	var want int32
	if b.Version != nil {
		want = *b.Version
	}
	v := p.version(want)
	if v == nil {
		return meteroidserver.CreateSubscription400JSONResponse{BadRequestJSONResponse: badRequest("plan %q has no version %d", b.PlanId, want)}, nil
	}
	start := b.StartDate.Time
	periodStart := start
	if b.SkipPastInvoices != nil && *b.SkipPastInvoices {
		for !periodStart.AddDate(0, 1, 0).After(today()) {
			periodStart = periodStart.AddDate(0, 1, 0)
		}
	}
	status := meteroidapi.SubscriptionStatusOpen("PENDING_ACTIVATION")
	var checkout *string
	switch b.ActivationCondition {
	case meteroidapi.ActivationOnStart:
		if !start.After(today()) {
			status = "ACTIVE"
		}
	case meteroidapi.ActivationOnCheckout:
		status = "PENDING_CHARGE"
		checkout = ptr("https://checkout.meteroid.example/" + randomBase62(12))
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := meteroidapi.SubscriptionDetails{
		Id: "sub_" + randomBase62(22), CustomerId: c.Id, CustomerName: c.Name, CustomerAlias: c.Alias,
		BillingDayAnchor: int32(start.Day()), Currency: meteroidapi.CurrencyOpen(p.currency),
		PlanId: p.id, PlanName: p.name, PlanVersionId: v.id, PlanVersion: v.version,
		Status: status, StartDate: b.StartDate, EndDate: b.EndDate,
		CurrentPeriodStart: date(periodStart), CurrentPeriodEnd: ptr(date(periodStart.AddDate(0, 1, 0))),
		CreatedAt: now, NetTerms: 0, MrrCents: p.feeCents, Period: "MONTHLY",
		AutoAdvanceInvoices: true, CheckoutUrl: checkout, TrialDuration: b.TrialDays,
		InvoiceMemo: b.InvoiceMemo, PurchaseOrder: b.PurchaseOrder, PaymentMethodsConfig: b.PaymentMethodsConfig,
		Components: p.components(), AddOns: []meteroidapi.SubscriptionAddOn{}, AppliedCoupons: []map[string]any{},
	}
	if status == "ACTIVE" {
		d.ActivatedAt = &now
		d.BillingStartDate = ptr(b.StartDate)
	}
	if b.BillingDayAnchor != nil {
		d.BillingDayAnchor = *b.BillingDayAnchor
	}
	if b.NetTerms != nil {
		d.NetTerms = *b.NetTerms
	}
	if b.AutoAdvanceInvoices != nil {
		d.AutoAdvanceInvoices = *b.AutoAdvanceInvoices
	}
	if b.ChargeAutomatically != nil {
		d.ChargeAutomatically = *b.ChargeAutomatically
	}
	for st.subs.byID[d.Id] != nil {
		d.Id = "sub_" + randomBase62(22)
	}
	st.subs.add(&d)
	st.subs.created++
	if status == "ACTIVE" {
		st.invoiceSubscription(&d, c)
	}
	st.subscriptionCreated(&d)
	return meteroidserver.CreateSubscription201JSONResponse(jsoncopy.Clone(d)), nil
}

// components are the price components of a subscription to p: the platform
// fee and, for a metered plan, a usage component.
func (p *planRec) components() []meteroidapi.SubscriptionComponent {
	out := []meteroidapi.SubscriptionComponent{{
		Name: "Platform fee", Period: "MONTHLY", PriceComponentId: ptr("price_" + p.id + "_fee"), ProductId: ptr(p.productID),
		Fee: meteroidapi.SubscriptionFee{Type: "RATE", AdditionalProperties: map[string]any{"rate": fmt.Sprintf("%d.%02d", p.feeCents/100, p.feeCents%100)}},
	}}
	if p.metricID != "" {
		out = append(out, meteroidapi.SubscriptionComponent{
			Name: "API calls", Period: "MONTHLY", PriceComponentId: ptr("price_" + p.id + "_usage"), ProductId: ptr(p.usageProductID),
			Fee: meteroidapi.SubscriptionFee{Type: "USAGE", AdditionalProperties: map[string]any{"metric_id": p.metricID, "model": map[string]any{"model": "PER_UNIT", "data": map[string]any{"unit_price": "0.01"}}}},
		})
	}
	return out
}

// listItem is a subscription as listed.
func listItem(d *meteroidapi.SubscriptionDetails, cat *catalog) meteroidapi.Subscription {
	s := jsoncopy.Convert[meteroidapi.Subscription](*d)
	if p := cat.plan(d.PlanId); p != nil && p.description != "" {
		s.PlanDescription = ptr(p.description)
	}
	return s
}

// ListSubscriptions answers one page of the subscriptions the filters
// select (customer by id or alias, plan, statuses), in the order order_by
// names (default created_at.desc; the fake's created_at is the creation
// order).
func (st *store) ListSubscriptions(_ context.Context, req meteroidserver.ListSubscriptionsRequestObject) (meteroidserver.ListSubscriptionsResponseObject, error) {
	p := req.Params
	st.mu.Lock()
	defer st.mu.Unlock()
	customer := ""
	if p.CustomerId != nil {
		customer = *p.CustomerId
		if c := st.find(customer); c != nil {
			customer = c.Id
		}
	}
	var all []*meteroidapi.SubscriptionDetails
	for _, id := range st.subs.order {
		d := st.subs.byID[id]
		switch {
		case customer != "" && d.CustomerId != customer:
		case p.PlanId != nil && d.PlanId != *p.PlanId:
		case p.Statuses != nil && !slices.Contains(*p.Statuses, meteroidapi.SubscriptionStatus(d.Status)):
		default:
			all = append(all, d)
		}
	}
	orderBy(all, deref(p.OrderBy), map[string]func(*meteroidapi.SubscriptionDetails) string{
		"customer_name":      func(d *meteroidapi.SubscriptionDetails) string { return d.CustomerName },
		"plan_name":          func(d *meteroidapi.SubscriptionDetails) string { return d.PlanName },
		"mrr_cents":          func(d *meteroidapi.SubscriptionDetails) string { return fmt.Sprintf("%020d", d.MrrCents) },
		"billing_start_date": func(d *meteroidapi.SubscriptionDetails) string { return dateKey(d.BillingStartDate) },
		"end_date":           func(d *meteroidapi.SubscriptionDetails) string { return dateKey(d.EndDate) },
		"status":             func(d *meteroidapi.SubscriptionDetails) string { return string(d.Status) },
	})
	items, meta := pageOf(all, p.Page, p.PerPage)
	data := make([]meteroidapi.Subscription, 0, len(items))
	for _, d := range items {
		data = append(data, listItem(d, &st.cat))
	}
	return meteroidserver.ListSubscriptions200JSONResponse{Data: data, PaginationMeta: meta}, nil
}

func dateKey(d *openapi_types.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

// orderBy sorts items (given in creation order) as order ("column.direction";
// "" for created_at.desc) asks, by the column's key; created_at is the
// creation order. Ties keep the creation order.
func orderBy[T any](items []T, order string, keys map[string]func(T) string) {
	if order == "" {
		order = defaultOrderBy
	}
	column, direction, _ := strings.Cut(order, ".")
	if key := keys[column]; key != nil {
		slices.SortStableFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	}
	if direction == "desc" {
		slices.Reverse(items)
	}
}

// pageOf cuts one page out of all (page from 0, defaultPerPage when
// perPage is nil) and says where it stands.
func pageOf[T any](all []T, page, perPage *int32) ([]T, meteroidapi.PaginationMeta) {
	pg, per := int64(0), int64(defaultPerPage)
	if page != nil {
		pg = int64(*page)
	}
	if perPage != nil {
		per = int64(*perPage)
	}
	total := int64(len(all))
	var out []T
	if from := pg * per; from < total {
		out = all[from:min(from+per, total)]
	}
	return out, meteroidapi.PaginationMeta{Page: int32(pg), PerPage: int32(per), TotalItems: total, TotalPages: int32((total + per - 1) / per)}
}

// SubscriptionDetails answers 200 with the subscription or 404.
func (st *store) SubscriptionDetails(_ context.Context, req meteroidserver.SubscriptionDetailsRequestObject) (meteroidserver.SubscriptionDetailsResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.SubscriptionId)
	d := st.subs.byID[id]
	if d == nil {
		return meteroidserver.SubscriptionDetails404JSONResponse{EntityNotFoundJSONResponse: subscriptionNotFound(id)}, nil
	}
	return meteroidserver.SubscriptionDetails200JSONResponse(jsoncopy.Clone(*d)), nil
}

// UpdateSubscription sets the fields of the body that are present (only
// the six of SubscriptionUpdateRequest exist) and answers 200 with
// {subscription}, or 404.
func (st *store) UpdateSubscription(_ context.Context, req meteroidserver.UpdateSubscriptionRequestObject) (meteroidserver.UpdateSubscriptionResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.SubscriptionId)
	d := st.subs.byID[id]
	if d == nil {
		return meteroidserver.UpdateSubscription404JSONResponse{EntityNotFoundJSONResponse: subscriptionNotFound(id)}, nil
	}
	*d = jsoncopy.Merge(*d, *req.Body)
	return meteroidserver.UpdateSubscription200JSONResponse{Subscription: jsoncopy.Clone(*d)}, nil
}

// CancelSubscription marks the subscription CANCELLED, ending at
// effective_date or else at the end of its current period, and answers 200
// with {subscription}; a cancelled one is answered as it is (the first
// cancellation stands), so a retry is harmless. Unknown id: 404.
func (st *store) CancelSubscription(_ context.Context, req meteroidserver.CancelSubscriptionRequestObject) (meteroidserver.CancelSubscriptionResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.SubscriptionId)
	d := st.subs.byID[id]
	if d == nil {
		return meteroidserver.CancelSubscription404JSONResponse{EntityNotFoundJSONResponse: subscriptionNotFound(id)}, nil
	}
	if d.Status != "CANCELLED" {
		d.Status = "CANCELLED"
		switch {
		case req.Body != nil && req.Body.EffectiveDate != nil:
			d.EndDate = req.Body.EffectiveDate
		default:
			d.EndDate = d.CurrentPeriodEnd
		}
	}
	return meteroidserver.CancelSubscription200JSONResponse{Subscription: listItem(d, &st.cat)}, nil
}

// subscription returns a copy of the subscription with this id.
func (st *store) subscription(id string) (meteroidapi.SubscriptionDetails, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	d := st.subs.byID[id]
	if d == nil {
		return meteroidapi.SubscriptionDetails{}, false
	}
	return jsoncopy.Clone(*d), true
}

// allSubscriptions returns copies of every subscription, in creation order.
func (st *store) allSubscriptions() []meteroidapi.SubscriptionDetails {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]meteroidapi.SubscriptionDetails, 0, len(st.subs.order))
	for _, id := range st.subs.order {
		out = append(out, jsoncopy.Clone(*st.subs.byID[id]))
	}
	return out
}

// Subscription returns a copy of the subscription with this id.
func (s *Server) Subscription(id string) (meteroidapi.SubscriptionDetails, bool) {
	return s.st.subscription(id)
}

// Subscriptions returns copies of every subscription, in creation order.
func (s *Server) Subscriptions() []meteroidapi.SubscriptionDetails { return s.st.allSubscriptions() }

// SubscriptionsCreated is the number of subscriptions created through POST
// (duplicates included: a test of exactly-once compares it with the
// number of distinct items).
func (s *Server) SubscriptionsCreated() int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.subs.created
}

// subscriptionCreated sends subscription.created for a subscription created
// through POST. The caller holds mu.
func (st *store) subscriptionCreated(d *meteroidapi.SubscriptionDetails) {
	if st.hooks == nil {
		return
	}
	st.webhookSeq++
	ev := whmeteroid.SubscriptionEvent{
		Envelope: whmeteroid.Envelope{
			ID: fmt.Sprintf("evt_%d", st.webhookSeq), Type: whmeteroid.TypeSubscriptionCreated, Timestamp: time.Now().UTC(),
		},
		SubscriptionID: d.Id, CustomerID: d.CustomerId, CustomerName: d.CustomerName, CustomerAlias: d.CustomerAlias,
		BillingDayAnchor: d.BillingDayAnchor, Currency: string(d.Currency), StartDate: d.StartDate.Format(time.DateOnly),
		PlanName: d.PlanName, Version: d.PlanVersion, CreatedAt: d.CreatedAt, ActivatedAt: d.ActivatedAt,
		NetTerms: d.NetTerms, MrrCents: d.MrrCents, Period: string(d.Period), Status: string(d.Status),
		TrialDuration: d.TrialDuration, InvoiceMemo: d.InvoiceMemo,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic("meteroidtest: " + err.Error())
	}
	st.hooks.Send(fmt.Sprintf("msg_%d", st.webhookSeq), b)
}
