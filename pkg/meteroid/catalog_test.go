package meteroid_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
)

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestCatalog reads the fake's catalog and follows its relations:
// subscription -> plan (version) -> product, metric -> product. The first
// request of each kind meets a retried fault.
func TestCatalog(t *testing.T) {
	srv := meteroidtest.NewTestServer(t, meteroidtest.WithGeneratedCustomers(1),
		meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{fault.Status503, fault.TooMany, fault.DropAfter}}))
	c := newClient(t, srv)
	ctx := context.Background()

	plans := collect(t, c.ListPlans(ctx, meteroid.PlanQuery{PageSize: 1}))
	if len(plans) != 2 || plans[0].Id != meteroidtest.PlanStarter || plans[0].Version != 2 || plans[1].Id != meteroidtest.PlanPro {
		t.Fatalf("plans: %+v", plans)
	}
	if got := collect(t, c.ListPlans(ctx, meteroid.PlanQuery{Search: "pro"})); len(got) != 1 || got[0].Id != meteroidtest.PlanPro {
		t.Errorf("search pro: %+v", got)
	}
	v1, err := c.GetPlan(ctx, meteroidtest.PlanStarter, "1")
	if err != nil || v1.Version != 1 || v1.VersionId != "plv_starter_1" {
		t.Errorf("version 1: %+v %v", v1, err)
	}
	for _, args := range [][2]string{{"plan_none", ""}, {meteroidtest.PlanStarter, "9"}, {meteroidtest.PlanStarter, "draft"}} {
		if _, err := c.GetPlan(ctx, args[0], args[1]); !errors.Is(err, billbridge.ErrNotFound) {
			t.Errorf("GetPlan%v: %v", args, err)
		}
	}
	versions := collect(t, c.ListPlanVersions(ctx, meteroidtest.PlanStarter))
	if len(versions) != 2 || versions[0].Version != 2 || versions[1].Version != 1 {
		t.Errorf("versions: %+v", versions)
	}
	for _, err := range c.ListPlanVersions(ctx, "plan_none") {
		if !errors.Is(err, billbridge.ErrNotFound) {
			t.Errorf("versions of an unknown plan: %v", err)
		}
	}

	// subscription -> plan -> product
	sub, err := c.CreateSubscription(ctx, subItem("cus_0", "2026-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.GetPlan(ctx, sub.PlanId, fmt.Sprint(sub.PlanVersion))
	if err != nil || plan.VersionId != sub.PlanVersionId {
		t.Fatalf("the subscription's plan: %+v %v", plan, err)
	}
	for _, pc := range plan.PriceComponents {
		if pr, err := c.GetProduct(ctx, *pc.ProductId); err != nil || pr.Id != *pc.ProductId {
			t.Errorf("component %s: product %v", pc.Name, err)
		}
	}

	products := collect(t, c.ListProducts(ctx, meteroid.CatalogQuery{}))
	if len(products) != 2 {
		t.Errorf("products: %+v", products)
	}
	if _, err := c.GetProduct(ctx, "prd_none"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("unknown product: %v", err)
	}
	metrics := collect(t, c.ListMetrics(ctx, meteroid.CatalogQuery{Search: "api_call"}))
	if len(metrics) != 1 || metrics[0].Id != meteroidtest.MetricAPICalls {
		t.Fatalf("metrics: %+v", metrics)
	}
	m, err := c.GetMetric(ctx, metrics[0].Id)
	if err != nil || m.ProductId == nil {
		t.Fatalf("metric: %+v %v", m, err)
	}
	if _, err := c.GetProduct(ctx, *m.ProductId); err != nil {
		t.Errorf("the metric's product: %v", err)
	}
	if _, err := c.GetMetric(ctx, "bm_none"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("unknown metric: %v", err)
	}
	var ve *billbridge.ValidationError
	if _, err := c.GetMetric(ctx, ""); !errors.As(err, &ve) || ve.Field != "metric_id" {
		t.Errorf("empty id: %v", err)
	}
}
