package meteroid

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// UsageQuery narrows a usage read: the period, days in UTC with End
// included (zero times: the subscription's current billing period, for
// GetSubscriptionUsage only; the other reads need both), and one billable
// metric (bm_…) or all of them.
type UsageQuery struct {
	Start, End time.Time
	MetricID   string
}

// GetCustomerUsage reads a customer's usage (id or alias) over q's period,
// per billable metric (GET /api/v1/usage/customer/{customer_id}). An
// unknown customer's error wraps billbridge.ErrNotFound.
func (c *Client) GetCustomerUsage(ctx context.Context, customer string, q UsageQuery, opts ...option.RequestOption) (*UsageResponse, error) {
	if customer == "" {
		return nil, &billbridge.ValidationError{Field: "customer_id", Reason: "is required (a customer id or alias)"}
	}
	if err := q.needPeriod(); err != nil {
		return nil, err
	}
	p := &meteroidapi.GetCustomerUsageParams{StartDate: date(q.Start), EndDate: date(q.End), MetricId: metric(q.MetricID)}
	return c.usage(c.e.Context(ctx, opts), "getCustomerUsage", func(ctx context.Context) (*http.Response, error) {
		return c.API.GetCustomerUsage(ctx, customer, p)
	})
}

// GetSubscriptionUsage reads the usage of a subscription's usage-based
// components (GET /api/v1/usage/subscription/{subscription_id}); zero
// Start and End read its current billing period. An unknown subscription's
// error wraps billbridge.ErrNotFound.
func (c *Client) GetSubscriptionUsage(ctx context.Context, subscriptionID string, q UsageQuery, opts ...option.RequestOption) (*UsageResponse, error) {
	if subscriptionID == "" {
		return nil, &billbridge.ValidationError{Field: "subscription_id", Reason: "is required"}
	}
	p := &meteroidapi.GetSubscriptionUsageParams{MetricId: metric(q.MetricID)}
	if !q.Start.IsZero() {
		d := date(q.Start)
		p.StartDate = &d
	}
	if !q.End.IsZero() {
		d := date(q.End)
		p.EndDate = &d
	}
	return c.usage(c.e.Context(ctx, opts), "getSubscriptionUsage", func(ctx context.Context) (*http.Response, error) {
		return c.API.GetSubscriptionUsage(ctx, subscriptionID, p)
	})
}

// GetUsageSummary reads the tenant's usage over q's period, across all
// customers, per billable metric (GET /api/v1/usage/summary).
func (c *Client) GetUsageSummary(ctx context.Context, q UsageQuery, opts ...option.RequestOption) (*UsageResponse, error) {
	if err := q.needPeriod(); err != nil {
		return nil, err
	}
	p := &meteroidapi.GetUsageSummaryParams{StartDate: date(q.Start), EndDate: date(q.End), MetricId: metric(q.MetricID)}
	return c.usage(c.e.Context(ctx, opts), "getUsageSummary", func(ctx context.Context) (*http.Response, error) {
		return c.API.GetUsageSummary(ctx, p)
	})
}

// usage sends one usage read (safe to retry) and decodes its answer.
func (c *Client) usage(ctx context.Context, op string, send func(context.Context) (*http.Response, error)) (*UsageResponse, error) {
	var u UsageResponse
	_, err := c.e.Call(ctx, engine.Call{Op: op, Send: send, Decode: func(b []byte) error { u = UsageResponse{}; return json.Unmarshal(b, &u) }})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (q UsageQuery) needPeriod() error {
	switch {
	case q.Start.IsZero():
		return &billbridge.ValidationError{Field: "start_date", Reason: "is required"}
	case q.End.IsZero():
		return &billbridge.ValidationError{Field: "end_date", Reason: "is required"}
	case q.End.Before(q.Start):
		return &billbridge.ValidationError{Field: "end_date", Reason: "is before start_date"}
	}
	return nil
}

func date(t time.Time) openapi_types.Date {
	return openapi_types.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

func metric(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}
