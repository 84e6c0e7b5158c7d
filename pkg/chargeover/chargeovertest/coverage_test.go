package chargeovertest

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/fault"
)

// TestSpecCoverage runs a representative scenario and counts which of the
// spec's operations and declared status codes the fake produced. Every
// response is also checked against the spec (a collecting CheckResponse, so
// the scenario can assert that none failed).
func TestSpecCoverage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var mismatches []error
	// The first requests get these faults, in order, for each of the three
	// operations; then every request passes.
	faults := []fault.Kind{fault.TooMany, fault.Status500, fault.Status502, fault.Status503, fault.Status504}
	var sequence []fault.Kind
	for range 3 {
		sequence = append(sequence, faults...)
	}
	srv := NewTestServer(t,
		WithFaults(fault.Config{Sequence: sequence}),
		WithCheckResponse(func(err error) { mu.Lock(); mismatches = append(mismatches, err); mu.Unlock() }))
	c := client(t, srv)
	anon := clientAs(t, srv, "", "")
	ctx := context.Background()
	one := chargeoverapi.BulkRequest{createSub(cust("b", "B"))}

	for range faults {
		_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))
	}
	for range faults {
		_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "a")
	}
	for range faults {
		_, _ = c.BulkWithResponse(ctx, one)
	}
	_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))    // 201
	_, _ = c.CreateCustomerWithResponse(ctx, cust("a", "A"))    // 400
	_, _ = anon.CreateCustomerWithResponse(ctx, cust("z", "Z")) // 401
	_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "a")     // 200
	_, _ = c.GetCustomerByExternalKeyWithResponse(ctx, "zz")    // 404
	_, _ = anon.GetCustomerByExternalKeyWithResponse(ctx, "a")  // 401
	_, _ = c.BulkWithResponse(ctx, one)                         // 200
	_, _ = c.BulkWithResponse(ctx, chargeoverapi.BulkRequest{}) // 400
	_, _ = anon.BulkWithResponse(ctx, one)                      // 401

	spec, err := chargeoverapi.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	produced := map[string]bool{}
	for _, r := range waitRequests(t, srv, 24) {
		produced[strings.ToLower(r.Operation)+" "+strconv.Itoa(r.Status)] = true
	}
	var declared, missing []string
	ops := map[string]bool{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			// The embedded spec may carry oapi-codegen's capitalised ids;
			// the log the spec's own: compare without case.
			id := strings.ToLower(op.OperationID)
			ops[id] = true
			for code := range op.Responses.Map() {
				key := id + " " + code
				declared = append(declared, key)
				if !produced[key] {
					missing = append(missing, key)
				}
			}
		}
	}
	for _, op := range []string{OpCreateCustomer, OpGetCustomerByExternalKey, OpBulk} {
		if !ops[strings.ToLower(op)] {
			t.Errorf("operation %s is not in the spec", op)
		}
	}
	sort.Strings(missing)
	covered := len(declared) - len(missing)
	t.Logf("fake produced %d of %d declared (operation, status) pairs (%.0f%%) across %d operations; missing: %v",
		covered, len(declared), 100*float64(covered)/float64(len(declared)), len(ops), missing)
	if len(missing) > 0 {
		t.Errorf("not produced: %v", missing)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range mismatches {
		t.Errorf("response mismatch: %v", e)
	}
}
