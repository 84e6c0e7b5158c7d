package meteroidtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
)

// The fake's catalog: products, billable metrics and plans with their
// versions, linked as Meteroid links them (a plan's price component bills a
// product; a usage component meters a metric). Every fake starts with
// DefaultCatalog, so that subscriptions can be created at once; the ids are
// fixed, so tests and scripts can name them.

// Ids of DefaultCatalog.
const (
	// PlanStarter is a monthly plan (EUR 49.00) with two published
	// versions; new subscriptions get version 2.
	PlanStarter = "plan_starter"
	// PlanPro is a monthly plan (EUR 199.00) with one version and a usage
	// component on MetricAPICalls.
	PlanPro = "plan_pro"
	// ProductPlatform is the product both plans' platform fee bills.
	ProductPlatform = "prd_platform"
	// ProductAPI is the product of Pro's usage component.
	ProductAPI = "prd_api"
	// MetricAPICalls counts API calls (event code "api_call").
	MetricAPICalls = "bm_api_calls"
)

// planRec is one plan of the catalog.
type planRec struct {
	id, name, description, currency string
	// productID is the product the plan's platform fee bills.
	productID string
	// feeCents is the monthly platform fee.
	feeCents int64
	// metricID, when set, is metered by a usage component billing
	// usageProductID.
	metricID, usageProductID string
	versions                 []versionRec // oldest first; the last is current
	createdAt                string
}

// versionRec is one version of a plan.
type versionRec struct {
	id      string
	version int32
}

type productRec struct {
	id, name, description, createdAt string
}

type metricRec struct {
	id, name, code, description, aggregation, productID, createdAt string
}

// catalog holds the products, metrics and plans in creation order.
type catalog struct {
	products []productRec
	metrics  []metricRec
	plans    []planRec
}

// defaultCatalog is the catalog every fake starts with.
func defaultCatalog() catalog {
	return catalog{
		products: []productRec{
			{id: ProductPlatform, name: "Platform", description: "Access to the platform", createdAt: "2025-01-01T09:00:00Z"},
			{id: ProductAPI, name: "API", description: "Metered API calls", createdAt: "2025-01-01T09:01:00Z"},
		},
		metrics: []metricRec{
			{id: MetricAPICalls, name: "API calls", code: "api_call", description: "Every call of the public API",
				aggregation: "COUNT", productID: ProductAPI, createdAt: "2025-01-01T09:02:00Z"},
		},
		plans: []planRec{
			{id: PlanStarter, name: "Starter", description: "For small teams", currency: "EUR", productID: ProductPlatform, feeCents: 4900,
				versions: []versionRec{{id: "plv_starter_1", version: 1}, {id: "plv_starter_2", version: 2}}, createdAt: "2025-01-01T10:00:00Z"},
			{id: PlanPro, name: "Pro", description: "For growing teams", currency: "EUR", productID: ProductPlatform, feeCents: 19900,
				metricID: MetricAPICalls, usageProductID: ProductAPI,
				versions: []versionRec{{id: "plv_pro_1", version: 1}}, createdAt: "2025-01-01T10:01:00Z"},
		},
	}
}

// plan returns the plan with this id, or nil.
func (c *catalog) plan(id string) *planRec {
	for i := range c.plans {
		if c.plans[i].id == id {
			return &c.plans[i]
		}
	}
	return nil
}

// version returns the plan's version v (0: the current one), or nil.
func (p *planRec) version(v int32) *versionRec {
	if v == 0 {
		return &p.versions[len(p.versions)-1]
	}
	for i := range p.versions {
		if p.versions[i].version == v {
			return &p.versions[i]
		}
	}
	return nil
}

// productFamily is the one product family of the fake's catalog.
var productFamily = meteroidapi.ProductFamily{Id: "pf_default", Name: "Default"}

func catalogTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic("meteroidtest: catalog time " + s)
	}
	return t
}

// plan renders p in version v as Meteroid's Plan.
func (p *planRec) render(v *versionRec) meteroidapi.Plan {
	comps := []meteroidapi.PriceComponent{{Id: "price_" + p.id + "_fee", Name: "Platform fee", ProductId: ptr(p.productID),
		Fee: &map[string]any{"fee_type": "RATE", "data": map[string]any{"rates": []any{map[string]any{"term": "MONTHLY", "price": fmt.Sprintf("%d.%02d", p.feeCents/100, p.feeCents%100)}}}}}}
	if p.metricID != "" {
		comps = append(comps, meteroidapi.PriceComponent{Id: "price_" + p.id + "_usage", Name: "API calls", ProductId: ptr(p.usageProductID),
			Fee: &map[string]any{"fee_type": "USAGE", "data": map[string]any{"metric_id": p.metricID}}})
	}
	return meteroidapi.Plan{Id: p.id, Name: p.name, Description: ptr(p.description), CreatedAt: catalogTime(p.createdAt),
		PlanType: "STANDARD", Status: "ACTIVE", ProductFamily: productFamily, VersionId: v.id, Version: v.version,
		Currency: p.currency, NetTerms: 0, PriceComponents: comps, AvailableParameters: meteroidapi.AvailableParameters{}}
}

func entityNotFound(kind, id string) meteroidserver.EntityNotFoundJSONResponse {
	return meteroidserver.EntityNotFoundJSONResponse{Code: meteroidapi.ErrorCodeNotFound,
		Message: fmt.Sprintf("%s not found: no %s has id %q", kind, strings.ToLower(kind), id)}
}

func contains(s, needle string) bool {
	return needle == "" || strings.Contains(strings.ToLower(s), strings.ToLower(needle))
}

// ListPlans answers one page of the plans (each in its current version)
// the filters select: product family, search (by name), status, plan type.
// Every plan of the fake is STANDARD and ACTIVE.
func (st *store) ListPlans(_ context.Context, req meteroidserver.ListPlansRequestObject) (meteroidserver.ListPlansResponseObject, error) {
	p := req.Params
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []meteroidapi.Plan
	for i := range st.cat.plans {
		pl := st.cat.plans[i].render(st.cat.plans[i].version(0))
		switch {
		case p.ProductFamilyId != nil && *p.ProductFamilyId != pl.ProductFamily.Id:
		case !contains(pl.Name, deref(p.Search)):
		case p.Status != nil && !slices.Contains(*p.Status, meteroidapi.PlanStatus(pl.Status)):
		case p.PlanType != nil && !slices.Contains(*p.PlanType, meteroidapi.PlanType(pl.PlanType)):
		default:
			all = append(all, pl)
		}
	}
	orderBy(all, deref(p.OrderBy), map[string]func(meteroidapi.Plan) string{
		"name":      func(pl meteroidapi.Plan) string { return pl.Name },
		"status":    func(pl meteroidapi.Plan) string { return pl.Status },
		"plan_type": func(pl meteroidapi.Plan) string { return pl.PlanType },
	})
	items, meta := pageOf(all, p.Page, p.PerPage)
	return meteroidserver.ListPlans200JSONResponse{Data: nonNil(items), PaginationMeta: meta}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// GetPlanDetails answers the plan in the version asked for (a number;
// absent: the current one), or 404 for an unknown plan or version and for
// "draft" (the fake's plans have no draft).
func (st *store) GetPlanDetails(_ context.Context, req meteroidserver.GetPlanDetailsRequestObject) (meteroidserver.GetPlanDetailsResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.PlanId)
	p := st.cat.plan(id)
	if p == nil {
		return meteroidserver.GetPlanDetails404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Plan", id)}, nil
	}
	var want int32
	if v := deref(req.Params.Version); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil { // "draft"
			return meteroidserver.GetPlanDetails404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Plan version", id+"@"+v)}, nil
		}
		want = int32(n)
	}
	v := p.version(want)
	if v == nil {
		return meteroidserver.GetPlanDetails404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Plan version", fmt.Sprintf("%s@%d", id, want))}, nil
	}
	return meteroidserver.GetPlanDetails200JSONResponse(p.render(v)), nil
}

// ListPlanVersions answers one page of a plan's versions, newest first, or
// 404.
func (st *store) ListPlanVersions(_ context.Context, req meteroidserver.ListPlanVersionsRequestObject) (meteroidserver.ListPlanVersionsResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.PlanId)
	p := st.cat.plan(id)
	if p == nil {
		return meteroidserver.ListPlanVersions404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Plan", id)}, nil
	}
	var all []meteroidapi.PlanVersionSummary
	for i := len(p.versions) - 1; i >= 0; i-- {
		v := p.versions[i]
		all = append(all, meteroidapi.PlanVersionSummary{Id: v.id, Version: v.version, Currency: p.currency,
			CreatedAt: catalogTime(p.createdAt).AddDate(0, int(v.version-1), 0)})
	}
	items, meta := pageOf(all, req.Params.Page, req.Params.PerPage)
	return meteroidserver.ListPlanVersions200JSONResponse{Data: nonNil(items), PaginationMeta: meta}, nil
}

func (r *productRec) render() meteroidapi.Product {
	feeType := "RATE"
	if r.id == ProductAPI {
		feeType = "USAGE"
	}
	return meteroidapi.Product{Id: r.id, Name: r.name, Description: ptr(r.description), FeeType: feeType,
		FeeStructure: map[string]any{}, ProductFamilyId: productFamily.Id, Catalog: true, CreatedAt: catalogTime(r.createdAt)}
}

// ListProducts answers one page of the products the filters select
// (product family, search by name), by name unless order_by says otherwise.
func (st *store) ListProducts(_ context.Context, req meteroidserver.ListProductsRequestObject) (meteroidserver.ListProductsResponseObject, error) {
	p := req.Params
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []meteroidapi.Product
	for i := range st.cat.products {
		pr := st.cat.products[i].render()
		if (p.ProductFamilyId == nil || *p.ProductFamilyId == pr.ProductFamilyId) && contains(pr.Name, deref(p.Search)) {
			all = append(all, pr)
		}
	}
	order := deref(p.OrderBy)
	if order == "" {
		order = "name.asc"
	}
	orderBy(all, order, map[string]func(meteroidapi.Product) string{"name": func(pr meteroidapi.Product) string { return pr.Name }})
	items, meta := pageOf(all, p.Page, p.PerPage)
	return meteroidserver.ListProducts200JSONResponse{Data: nonNil(items), PaginationMeta: meta}, nil
}

// GetProduct answers the product or 404.
func (st *store) GetProduct(_ context.Context, req meteroidserver.GetProductRequestObject) (meteroidserver.GetProductResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.ProductId)
	for i := range st.cat.products {
		if st.cat.products[i].id == id {
			return meteroidserver.GetProduct200JSONResponse(st.cat.products[i].render()), nil
		}
	}
	return meteroidserver.GetProduct404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Product", id)}, nil
}

func (m *metricRec) render() meteroidapi.Metric {
	return meteroidapi.Metric{Id: m.id, Name: m.name, Code: m.code, Description: ptr(m.description), AggregationType: m.aggregation,
		ProductFamilyId: productFamily.Id, ProductId: ptr(m.productID), CreatedAt: catalogTime(m.createdAt)}
}

// ListMetrics answers one page of the metrics the filters select (product
// family, search by name or code), by name unless order_by says otherwise.
func (st *store) ListMetrics(_ context.Context, req meteroidserver.ListMetricsRequestObject) (meteroidserver.ListMetricsResponseObject, error) {
	p := req.Params
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []meteroidapi.MetricSummary
	for i := range st.cat.metrics {
		m := st.cat.metrics[i].render()
		if (p.ProductFamilyId == nil || *p.ProductFamilyId == m.ProductFamilyId) && (contains(m.Name, deref(p.Search)) || contains(m.Code, deref(p.Search))) {
			all = append(all, jsoncopy.Convert[meteroidapi.MetricSummary](m))
		}
	}
	order := deref(p.OrderBy)
	if order == "" {
		order = "name.asc"
	}
	orderBy(all, order, map[string]func(meteroidapi.MetricSummary) string{
		"name": func(m meteroidapi.MetricSummary) string { return m.Name },
		"code": func(m meteroidapi.MetricSummary) string { return m.Code },
	})
	items, meta := pageOf(all, p.Page, p.PerPage)
	return meteroidserver.ListMetrics200JSONResponse{Data: nonNil(items), PaginationMeta: meta}, nil
}

// GetMetric answers the metric or 404.
func (st *store) GetMetric(_ context.Context, req meteroidserver.GetMetricRequestObject) (meteroidserver.GetMetricResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.MetricId)
	for i := range st.cat.metrics {
		if st.cat.metrics[i].id == id {
			return meteroidserver.GetMetric200JSONResponse(st.cat.metrics[i].render()), nil
		}
	}
	return meteroidserver.GetMetric404JSONResponse{EntityNotFoundJSONResponse: entityNotFound("Metric", id)}, nil
}
