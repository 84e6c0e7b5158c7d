package meteroid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// The catalog, read only: plans (in a version) and their versions,
// products and billable metrics. A subscription names a plan (and
// version); a plan's price components name products; a metric names the
// product it bills.

// Plan is a plan in one version (the active one unless asked otherwise).
type Plan = meteroidapi.Plan

// PlanVersionSummary is one version of a plan.
type PlanVersionSummary = meteroidapi.PlanVersionSummary

// Product is a product of the catalog.
type Product = meteroidapi.Product

// MetricSummary is a billable metric as listed.
type MetricSummary = meteroidapi.MetricSummary

// Metric is a billable metric with its segmentation and unit conversion.
type Metric = meteroidapi.Metric

// PlanQuery selects the plans ListPlans walks; the zero value lists every
// plan.
type PlanQuery struct {
	// ProductFamilyID keeps one product family's plans ("": all).
	ProductFamilyID string
	// Search keeps the plans whose name contains it ("": all).
	Search string
	// Statuses and Types keep the plans in one of these (none: all).
	Statuses []meteroidapi.PlanStatus
	Types    []meteroidapi.PlanType
	// PageSize is the per_page of each request: 0 for DefaultPageSize,
	// else 1 to MaxPageSize.
	PageSize int
}

// CatalogQuery selects the products or metrics ListProducts and
// ListMetrics walk; the zero value lists all.
type CatalogQuery struct {
	// ProductFamilyID keeps one product family's entries ("": all).
	ProductFamilyID string
	// Search keeps the entries whose name (a metric's code too) contains
	// it ("": all).
	Search string
	// PageSize is the per_page of each request: 0 for DefaultPageSize,
	// else 1 to MaxPageSize.
	PageSize int
}

// catalogOrder is the order_by of every catalog walk: oldest first, so
// that an entry created during the walk lands after its position (as for
// ListCustomers).
var catalogOrder = "created_at.asc"

// ListPlans walks every page of GET /api/v1/plans and yields each plan q
// selects once, in its active version, oldest first (order_by
// created_at.asc). Errors, breaking out and a cancelled context behave as
// in ListCustomers.
func (c *Client) ListPlans(ctx context.Context, q PlanQuery, opts ...option.RequestOption) iter.Seq2[Plan, error] {
	return listPages(c, c.e.Context(ctx, opts), "listPlans", q.PageSize, func(ctx context.Context, page, perPage int32) (*http.Response, error) {
		p := &meteroidapi.ListPlansParams{OrderBy: &catalogOrder, Page: &page, PerPage: &perPage}
		if q.ProductFamilyID != "" {
			p.ProductFamilyId = &q.ProductFamilyID
		}
		if q.Search != "" {
			p.Search = &q.Search
		}
		if len(q.Statuses) > 0 {
			p.Status = &q.Statuses
		}
		if len(q.Types) > 0 {
			p.PlanType = &q.Types
		}
		return c.API.ListPlans(ctx, p)
	}, func(p Plan) string { return p.Id })
}

// GetPlan reads one plan in version: "" for the active version, "draft",
// or a version number ("2"). An unknown plan or version matches
// billbridge.ErrNotFound.
func (c *Client) GetPlan(ctx context.Context, id, version string, opts ...option.RequestOption) (*Plan, error) {
	var params *meteroidapi.GetPlanDetailsParams
	if version != "" {
		params = &meteroidapi.GetPlanDetailsParams{Version: &version}
	}
	return getOne[Plan](c, c.e.Context(ctx, opts), "getPlanDetails", "plan_id", id, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetPlanDetails(ctx, id, params)
	})
}

// ListPlanVersions walks every page of a plan's versions (drafts included),
// in the server's order. An unknown plan yields one error matching
// billbridge.ErrNotFound.
func (c *Client) ListPlanVersions(ctx context.Context, planID string, opts ...option.RequestOption) iter.Seq2[PlanVersionSummary, error] {
	if planID == "" {
		return engine.Fail[PlanVersionSummary](&billbridge.ValidationError{Field: "plan_id", Reason: "must not be empty"})
	}
	return listPages(c, c.e.Context(ctx, opts), "listPlanVersions", 0, func(ctx context.Context, page, perPage int32) (*http.Response, error) {
		return c.API.ListPlanVersions(ctx, planID, &meteroidapi.ListPlanVersionsParams{Page: &page, PerPage: &perPage})
	}, func(v PlanVersionSummary) string { return v.Id })
}

// ListProducts walks every page of GET /api/v1/products and yields each
// product q selects once, oldest first (order_by created_at.asc).
func (c *Client) ListProducts(ctx context.Context, q CatalogQuery, opts ...option.RequestOption) iter.Seq2[Product, error] {
	return listPages(c, c.e.Context(ctx, opts), "listProducts", q.PageSize, func(ctx context.Context, page, perPage int32) (*http.Response, error) {
		p := &meteroidapi.ListProductsParams{OrderBy: &catalogOrder, Page: &page, PerPage: &perPage}
		if q.ProductFamilyID != "" {
			p.ProductFamilyId = &q.ProductFamilyID
		}
		if q.Search != "" {
			p.Search = &q.Search
		}
		return c.API.ListProducts(ctx, p)
	}, func(p Product) string { return p.Id })
}

// GetProduct reads one product by id; an unknown id matches
// billbridge.ErrNotFound.
func (c *Client) GetProduct(ctx context.Context, id string, opts ...option.RequestOption) (*Product, error) {
	return getOne[Product](c, c.e.Context(ctx, opts), "getProduct", "product_id", id, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetProduct(ctx, id)
	})
}

// ListMetrics walks every page of GET /api/v1/metrics and yields each
// metric q selects once, oldest first (order_by created_at.asc).
func (c *Client) ListMetrics(ctx context.Context, q CatalogQuery, opts ...option.RequestOption) iter.Seq2[MetricSummary, error] {
	return listPages(c, c.e.Context(ctx, opts), "listMetrics", q.PageSize, func(ctx context.Context, page, perPage int32) (*http.Response, error) {
		p := &meteroidapi.ListMetricsParams{OrderBy: &catalogOrder, Page: &page, PerPage: &perPage}
		if q.ProductFamilyID != "" {
			p.ProductFamilyId = &q.ProductFamilyID
		}
		if q.Search != "" {
			p.Search = &q.Search
		}
		return c.API.ListMetrics(ctx, p)
	}, func(m MetricSummary) string { return m.Id })
}

// GetMetric reads one billable metric by id; an unknown id matches
// billbridge.ErrNotFound.
func (c *Client) GetMetric(ctx context.Context, id string, opts ...option.RequestOption) (*Metric, error) {
	return getOne[Metric](c, c.e.Context(ctx, opts), "getMetric", "metric_id", id, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetMetric(ctx, id)
	})
}

// listPages walks a paged listing ({data, pagination_meta}) of op, page
// size checked as ListCustomers checks it, deduplicated by id.
func listPages[T any](c *Client, ctx context.Context, op string, pageSize int,
	send func(ctx context.Context, page, perPage int32) (*http.Response, error), id func(T) string) iter.Seq2[T, error] {
	if pageSize < 0 || pageSize > MaxPageSize {
		return engine.Fail[T](&billbridge.ValidationError{Field: "page_size",
			Reason: fmt.Sprintf("%d: must be between 1 and %d (0 takes the default, %d)", pageSize, MaxPageSize, DefaultPageSize)})
	}
	perPage := int32(pageSize)
	if perPage == 0 {
		perPage = DefaultPageSize
	}
	fetch := func(ctx context.Context, page int32) (engine.Page[T, int32], error) {
		call := engine.Call{Op: op, Send: func(ctx context.Context) (*http.Response, error) { return send(ctx, page, perPage) }}
		ans, err := c.e.Call(ctx, call)
		if err != nil {
			return engine.Page[T, int32]{}, err
		}
		var list struct {
			Data           []T             `json:"data"`
			PaginationMeta *PaginationMeta `json:"pagination_meta"`
		}
		if err := json.Unmarshal(ans.Body, &list); err != nil || list.PaginationMeta == nil {
			if err == nil {
				err = errors.New("the page has no pagination_meta")
			}
			return engine.Page[T, int32]{}, c.e.Undecodable(call, ans, err)
		}
		for i, v := range list.Data {
			if id(v) == "" {
				return engine.Page[T, int32]{}, c.e.Undecodable(call, ans, fmt.Errorf("data[%d] has no id", i))
			}
		}
		return engine.Page[T, int32]{Items: list.Data, Next: page + 1,
			Last: page+1 >= list.PaginationMeta.TotalPages, Total: int(list.PaginationMeta.TotalItems)}, nil
	}
	return engine.Distinct(engine.Pages(ctx, 0, fetch), id)
}

// getOne reads one entity of op by its id, named field in a validation
// error when empty.
func getOne[T any](c *Client, ctx context.Context, op, field, id string, send func(ctx context.Context) (*http.Response, error)) (*T, error) {
	if id == "" {
		return nil, &billbridge.ValidationError{Field: field, Reason: "must not be empty"}
	}
	call := engine.Call{Op: op, Send: send}
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return nil, err
	}
	var v T
	var probe struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ans.Body, &v); err != nil {
		return nil, c.e.Undecodable(call, ans, err)
	}
	if _ = json.Unmarshal(ans.Body, &probe); probe.ID == "" {
		return nil, c.e.Undecodable(call, ans, errors.New("the answer has no id"))
	}
	return &v, nil
}
