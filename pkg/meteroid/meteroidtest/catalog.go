package meteroidtest

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
	id, name, code, description, aggregation, unit, productID, createdAt string
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
				aggregation: "COUNT", unit: "call", productID: ProductAPI, createdAt: "2025-01-01T09:02:00Z"},
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
